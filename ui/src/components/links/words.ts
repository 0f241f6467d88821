// The words of the Links room: outcomes, what happens to records, guard rails.

import type { Crossing, LinkOutcome, LinkSettings, LinkView } from "../../ipc";

export const OUTCOME: Record<LinkOutcome, string> = {
  running: "Running",
  completed: "Completed",
  unverified: "Needs attention",
  stopped: "Stopped by a guard rail",
  failed: "Failed",
  dry_run: "Dry run",
};

/** The tag's look: good, warning or bad. */
export function outcomeTone(o: LinkOutcome): "ok" | "warn" | "bad" | "plain" {
  if (o === "completed") return "ok";
  if (o === "stopped" || o === "unverified") return "warn";
  if (o === "failed") return "bad";
  return "plain";
}

/** "Users in Dept - Sales*, and users where title eq "x"; except …". */
export function scopeWords(s: LinkSettings): string {
  const { filter, groups, exclude } = s.scope;
  if (!filter && groups.length === 0 && !exclude) return "Every user and group";
  const parts: string[] = [];
  if (groups.length > 0) parts.push(`groups ${groups.join(", ")} and their members`);
  if (filter) parts.push(`users where ${filter}`);
  let text = parts.join(", and ") || "every user and group";
  if (exclude) text += `; except ${exclude}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function scheduleWords(s: LinkSettings): string {
  return s.everyMinutes ? `every ${s.everyMinutes} min while open` : "when run";
}

const RAIL: Record<Crossing["rail"], string> = {
  creates: "create",
  updates: "change",
  deactivations: "deactivate",
  deletes: "delete",
};

/** "would deactivate 40 users; at most 10 allowed". */
export function crossingWords(c: Crossing): string {
  const what = c.rail === "creates" || c.rail === "updates" ? "records" : "users";
  const pct = c.setting.endsWith("%") ? ` (${c.setting} of the target)` : "";
  return `Would ${RAIL[c.rail]} ${c.planned.toLocaleString()} ${what}; the link allows at most ${c.most.toLocaleString()}${pct}.`;
}

/** True when the link's last run needs the person (failed, stopped, left differences). */
export function needsAttention(l: LinkView): boolean {
  const o = l.lastRun?.outcome;
  return o === "failed" || o === "stopped" || o === "unverified";
}

/** "1 user", "1,204 users". */
export function countOf(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n.toLocaleString()} ${many}`;
}

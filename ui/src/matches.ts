// The side-by-side list of a migration plan: which matches a search and a status leave, in
// which order. Kept pure so it is unit-tested without a window.

import type { AttributeChange } from "./bindings/AttributeChange";
import type { MatchTag } from "./bindings/MatchTag";
import type { RecordMatch } from "./bindings/RecordMatch";

/** The statuses of a match, in the order the list shows them, with their words. */
export const TAGS: [MatchTag, string][] = [
  ["only_in_source", "Only in the source"],
  ["only_in_target", "Only in the target"],
  ["matched_equal", "Matched, equal"],
  ["matched_different", "Matched, different"],
  ["ambiguous", "Needs a decision"],
  ["incomplete", "Target would refuse"],
];

/** The column the list is sorted by. */
export type SortKey = "source" | "status" | "target";

/** The matches a search and a status leave, sorted by a column. */
export function visibleMatches(
  matches: RecordMatch[],
  tag: string | null,
  search: string,
  sort: SortKey,
  descending: boolean,
): RecordMatch[] {
  const q = search.trim().toLocaleLowerCase();
  const status = (m: RecordMatch) => String(TAGS.findIndex(([k]) => k === m.tag)).padStart(2, "0");
  const key = (m: RecordMatch) =>
    (sort === "source" ? m.label : sort === "target" ? (m.targetLabel ?? "") : status(m)).toLocaleLowerCase();
  const out = matches.filter(
    (m) =>
      (!tag || m.tag === tag) &&
      (!q || m.label.toLocaleLowerCase().includes(q) || (m.targetLabel ?? "").toLocaleLowerCase().includes(q)),
  );
  out.sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }) * (descending ? -1 : 1));
  return out;
}

/** A change of a complex attribute (an extension, a name) as one change per sub-attribute,
 * so the review reads "Department: Sales → Engineering" instead of a block of JSON. */
export function perAttribute(changes: AttributeChange[]): AttributeChange[] {
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  return changes.flatMap((c) => {
    if (!isObject(c.after) && !isObject(c.before)) return [c];
    const before = isObject(c.before) ? c.before : {};
    const after = isObject(c.after) ? c.after : {};
    const sep = c.path.toLowerCase().startsWith("urn:") ? ":" : ".";
    return [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      .map((k) => ({
        change: before[k] === undefined ? "added" : after[k] === undefined ? "removed" : "changed",
        path: `${c.path}${sep}${k}`,
        before: before[k],
        after: after[k],
      }));
  });
}

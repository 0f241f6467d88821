// Bulk changes in words: which attributes can be set for many people at once, what an action
// says in the review and in its result. Kept pure so it is unit-tested without a window.

import type { BulkAction } from "./bindings/BulkAction";
import type { BulkOutcome } from "./bindings/BulkOutcome";
import { attributeLabel, count } from "./format";
import { ENTERPRISE } from "./resource";

/** An attribute the bulk dialog offers; `person` values are picked from the directory. */
export interface BulkAttribute {
  path: string;
  label: string;
  input: "text" | "person";
}

/** Attributes people change for a team at once (a reorganisation, a new manager). */
export const BULK_ATTRIBUTES: BulkAttribute[] = [
  { path: `${ENTERPRISE}:department`, label: "Department", input: "text" },
  { path: "title", label: "Job title", input: "text" },
  { path: `${ENTERPRISE}:manager`, label: "Manager", input: "person" },
  { path: `${ENTERPRISE}:costCenter`, label: "Cost center", input: "text" },
  { path: `${ENTERPRISE}:division`, label: "Division", input: "text" },
  { path: `${ENTERPRISE}:organization`, label: "Organization", input: "text" },
  { path: "userType", label: "Type of user", input: "text" },
  { path: "preferredLanguage", label: "Preferred language", input: "text" },
  { path: "timezone", label: "Time zone", input: "text" },
];

/** A value as the review shows it: text as it is, a manager by the name given with it. */
function shownValue(value: unknown, label?: string): string {
  if (label) return label;
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "value" in value) return String((value as { value: unknown }).value);
  return JSON.stringify(value);
}

/** The action in words: "Deactivate", "Set Department to “Sales”", "Add to the group “Crew”".
 * `valueLabel` names a picked person (the manager) instead of their id. */
export function bulkWords(action: BulkAction, group?: string, valueLabel?: string): string {
  switch (action.kind) {
    case "deactivate":
      return "Deactivate";
    case "activate":
      return "Activate";
    case "setAttribute":
      return action.value === null || action.value === ""
        ? `Clear ${attributeLabel(action.path)}`
        : `Set ${attributeLabel(action.path)} to “${shownValue(action.value, valueLabel)}”`;
    case "addToGroup":
      return `Add to the group “${group ?? action.groupId}”`;
    case "removeFromGroup":
      return `Remove from the group “${group ?? action.groupId}”`;
  }
}

/** The result line of a run: "Saved for 4 people; 1 was already so; 1 not saved". */
export function bulkResultWords(saved: number, unchanged: number, failed: number): string {
  const parts = [`Saved for ${count(saved, "person", "people")}`];
  if (unchanged > 0) parts.push(`${count(unchanged, "person", "people")} already so`);
  if (failed > 0) parts.push(`${count(failed, "person", "people")} not saved`);
  return parts.join("; ");
}

/** How one person's save ended, in words. */
export function outcomeWords(outcome: BulkOutcome): string {
  switch (outcome) {
    case "saved":
      return "Saved";
    case "unchanged":
      return "Already so";
    case "conflict":
      return "Changed elsewhere";
    case "failed":
      return "Not saved";
    case "missing":
      return "Not in the copy";
    case "notRun":
      return "Stopped before";
  }
}

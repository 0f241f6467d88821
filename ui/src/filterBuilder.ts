// The filter builder's logic: attribute, operator and value into SCIM filter text
// (RFC 7644 section 3.4.2.2). Kept pure so it is unit-tested without a window.

import { GRID_COLUMNS } from "./bindings/gridColumns";

export interface FilterAttribute {
  /** The attribute path written into the filter. */
  path: string;
  label: string;
  type: "string" | "boolean" | "dateTime";
}

/** What the filter builder offers for users or groups, from the store's column table. */
function filterAttributes(group: boolean): FilterAttribute[] {
  return GRID_COLUMNS.flatMap((c) =>
    c.filterLabel && c.filterType && (group ? c.groups : c.users)
      ? [{ path: c.attribute, label: c.filterLabel, type: c.filterType }]
      : [],
  );
}

export const USER_FILTER_ATTRIBUTES = filterAttributes(false);
export const GROUP_FILTER_ATTRIBUTES = filterAttributes(true);

export const OPERATORS = [
  { op: "eq", label: "is" },
  { op: "ne", label: "is not" },
  { op: "co", label: "contains" },
  { op: "sw", label: "starts with" },
  { op: "ew", label: "ends with" },
  { op: "gt", label: "after / greater than" },
  { op: "ge", label: "on or after" },
  { op: "lt", label: "before / less than" },
  { op: "le", label: "on or before" },
  { op: "pr", label: "has a value" },
] as const;

export type Operator = (typeof OPERATORS)[number]["op"];

/** The operators that make sense for an attribute type. */
export function operatorsFor(type: FilterAttribute["type"]): Operator[] {
  switch (type) {
    case "boolean":
      return ["eq", "ne", "pr"];
    case "dateTime":
      return ["gt", "ge", "lt", "le", "eq", "pr"];
    default:
      return ["eq", "ne", "co", "sw", "ew", "pr"];
  }
}

/** One comparison as filter text; strings are quoted with JSON escaping (the filter's syntax). */
export function comparison(attr: FilterAttribute, op: Operator, value: string): string {
  if (op === "pr") return `${attr.path} pr`;
  if (attr.type === "boolean") {
    const b = value.trim().toLowerCase() === "true" ? "true" : "false";
    return `${attr.path} ${op} ${b}`;
  }
  if (attr.type === "dateTime") {
    // A date picked without a time means midnight UTC of that day.
    const v = /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? `${value.trim()}T00:00:00Z` : value.trim();
    return `${attr.path} ${op} ${JSON.stringify(v)}`;
  }
  return `${attr.path} ${op} ${JSON.stringify(value)}`;
}

/** Adds a comparison to an existing filter with `and` (parenthesising an `or` on the left). */
export function combine(existing: string, next: string, joiner: "and" | "or" = "and"): string {
  const left = existing.trim();
  if (!left) return next;
  const needsParens = joiner === "and" && /\sor\s/i.test(left) && !/^\(.*\)$/.test(left);
  return `${needsParens ? `(${left})` : left} ${joiner} ${next}`;
}

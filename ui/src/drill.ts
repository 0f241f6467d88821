// Where a click on an overview chart leads: the list of what the bar or slice counted. Kept
// pure so it is unit-tested without a window.

import { ENTERPRISE } from "./resource";

/** A list to open, with what it is narrowed to. */
export interface Drill {
  tab: "users" | "groups";
  status?: "active" | "inactive";
  filter?: string;
  search?: string;
}

const DEPARTMENT = `${ENTERPRISE}:department`;

/** The list behind a chart's bar: a status slice ("Active"), a department ("(none)" for people
 * without one) or a group by name. */
export function drillTo(chart: "status" | "department" | "group", label: string): Drill {
  switch (chart) {
    case "status":
      return { tab: "users", status: label === "Active" ? "active" : "inactive" };
    case "department":
      return {
        tab: "users",
        filter: label === "(none)" ? `not (${DEPARTMENT} pr)` : `${DEPARTMENT} eq ${JSON.stringify(label)}`,
      };
    case "group":
      return { tab: "groups", search: label };
  }
}

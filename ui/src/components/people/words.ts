// Words for the People room's types (generated from Rust): what people read.
import type { LinkRule, PeopleFilter, PersonField } from "../../ipc";

export const FIELD_LABEL: Record<PersonField, string> = {
  active: "Active",
  givenName: "Given name",
  familyName: "Family name",
  displayName: "Display name",
  email: "E-mail",
  title: "Title",
  department: "Department",
  manager: "Manager",
  employeeNumber: "Employee number",
};

export const LINKED_BY: Record<LinkRule, string> = {
  decided: "linked by you",
  externalId: "same externalId",
  userName: "same userName",
  email: "same e-mail",
};

export const FILTERS: [PeopleFilter, string][] = [
  ["everyone", "Everyone"],
  ["drift", "Differences"],
  ["activeMismatch", "Active somewhere, inactive elsewhere"],
  ["everywhere", "In every provider"],
  ["oneProvider", "In one provider only"],
];

export function activeWord(active: boolean | null | undefined): string {
  return active === true ? "active" : active === false ? "inactive" : "no active flag";
}

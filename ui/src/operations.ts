// The words for a migration's operations, in the order a plan runs them.

import type { Operation } from "./ipc";

export const OPS: [Operation, string][] = [
  ["create_user", "New users"],
  ["update_user", "Changed users"],
  ["create_group", "New groups"],
  ["add_members", "Membership changes"],
  ["remove_members", "Members taken out"],
  ["set_manager", "Manager links"],
  ["deactivate_user", "Deactivations"],
  ["delete_user", "Deletes"],
];

/** The words for one operation. */
export function operationLabel(op: Operation): string {
  return OPS.find(([k]) => k === op)?.[1] ?? op;
}

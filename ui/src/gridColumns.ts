// The grid's columns, from the store's one column table (generated into bindings), and how a
// cell shows its value.

import { GRID_COLUMNS } from "./bindings/gridColumns";
import type { DirectoryRow } from "./bindings/DirectoryRow";

export interface Column {
  key: keyof DirectoryRow;
  label: string;
  /** The cache column it sorts on; none when it cannot be sorted. */
  sort?: string;
}

/** The grid's columns for users or groups, from the store's column table (generated). */
export function columnsFor(group: boolean): Column[] {
  return GRID_COLUMNS.filter((c) => c.grid && (group ? c.groups : c.users)).map((c) => ({
    key: c.key as keyof DirectoryRow,
    label: c.label,
    sort: c.sort,
  }));
}
export const USER_COLUMNS = columnsFor(false);
export const GROUP_COLUMNS = columnsFor(true);
/** Shown until the person picks columns: what fits a laptop screen. */
export const DEFAULT_HIDDEN = new Set<string>(GRID_COLUMNS.filter((c) => c.grid && !c.shown).map((c) => c.key));

/** A cell's text: dates as the person's local date, counts with separators. */
export function cellText(r: DirectoryRow, key: keyof DirectoryRow): string {
  const v = r[key];
  if (v === undefined || v === null) return "";
  if (key === "lastModified" && typeof v === "string") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? v : d.toLocaleDateString();
  }
  if (typeof v === "number") return v.toLocaleString();
  return String(v);
}

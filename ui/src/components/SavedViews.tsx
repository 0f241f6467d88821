import { useState } from "react";
import type { Kind } from "../ipc";

/** A saved view of the grid: its search, filter, sort and columns, under a name. */
export interface View {
  name: string;
  search: string;
  filter: string;
  sort: string;
  descending: boolean;
  columns: string[];
}

/** A value kept on this computer, or `fallback` when there is none (or it is damaged). */
export function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Saved views of the grid, kept on this computer per kind: pick one, or save the current. */
export function SavedViews({
  kind,
  current,
  onApply,
}: {
  kind: Kind;
  current: Omit<View, "name">;
  onApply: (v: View) => void;
}) {
  const storeKey = `views:${kind}`;
  const [views, setViews] = useState<View[]>(() => load(storeKey, []));
  const save = () => {
    const name = window.prompt("Name this view (search, filter, sort and columns are saved):");
    if (!name) return;
    const next = [...views.filter((v) => v.name !== name), { name, ...current }];
    setViews(next);
    localStorage.setItem(storeKey, JSON.stringify(next));
  };
  return (
    <>
      <select
        aria-label="Saved views"
        value=""
        onChange={(e) => {
          const v = views.find((x) => x.name === e.target.value);
          if (v) onApply(v);
        }}
      >
        <option value="">Saved views…</option>
        {views.map((v) => (
          <option key={v.name} value={v.name}>
            {v.name}
          </option>
        ))}
      </select>
      <button type="button" onClick={save}>
        Save view
      </button>
    </>
  );
}

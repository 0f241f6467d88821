import { useRef } from "react";
import type { Column } from "../gridColumns";
import { testIds } from "../testIds";
import { useDismiss } from "./useDismiss";

/** The Columns pop-up: which columns the grid shows (closes on Escape and outside clicks). */
export function ColumnsMenu({
  columns,
  visible,
  onChange,
}: {
  columns: Column[];
  visible: string[];
  onChange: (visible: string[]) => void;
}) {
  const menu = useRef<HTMLDetailsElement>(null);
  useDismiss(menu);
  return (
    <details className="menu" ref={menu}>
      <summary data-testid={testIds.columnChooser}>Columns</summary>
      <div className="menu-body">
        {columns.map((c) => (
          <label key={c.key} className="inline">
            <input
              type="checkbox"
              checked={visible.includes(c.key)}
              onChange={(e) => onChange(e.target.checked ? [...visible, c.key] : visible.filter((k) => k !== c.key))}
              data-testid={`column-${c.key}`}
            />
            {c.label}
          </label>
        ))}
      </div>
    </details>
  );
}

import type { BulkReport } from "../bindings/BulkReport";
import { bulkResultWords, bulkWords } from "../bulk";
import { count } from "../format";
import { testIds } from "../testIds";
import type { BulkStart } from "./BulkDialog";

interface Props {
  /** How many people are selected (0: no bar). */
  checked: number;
  readOnly: boolean;
  /** The last bulk change, to say how it went and offer its undo (null: nothing to say). */
  last: BulkReport | null;
  onStart: (start: BulkStart) => void;
  onClear: () => void;
  onDismiss: () => void;
}

/** Changing many people at once: the actions for the selected people, and how the last one went. */
export function BulkBar({ checked, readOnly, last, onStart, onClear, onDismiss }: Props) {
  return (
    <>
      {checked > 0 && (
        <div className="bulk-bar" role="toolbar" aria-label="Change the selected people" data-testid={testIds.bulkBar}>
          <strong data-testid={testIds.bulkCount}>{count(checked, "person", "people")} selected</strong>
          {(
            [
              ["deactivate", "Deactivate", testIds.bulkDeactivate],
              ["activate", "Activate", testIds.bulkActivate],
              ["addToGroup", "Add to group…", testIds.bulkAddToGroup],
              ["removeFromGroup", "Remove from group…", testIds.bulkRemoveFromGroup],
              ["setAttribute", "Change an attribute…", testIds.bulkSetAttribute],
            ] as const
          ).map(([k, label, id]) => (
            <button
              key={k}
              type="button"
              disabled={readOnly}
              title={readOnly ? "You are working offline: changes need the provider." : undefined}
              onClick={() => onStart({ kind: k })}
              data-testid={id}
            >
              {label}
            </button>
          ))}
          <button type="button" className="link" onClick={onClear} data-testid={testIds.bulkClear}>
            Clear selection
          </button>
        </div>
      )}
      {last && (
        <p className="ok-line small" role="status" data-testid={testIds.bulkLast}>
          {last.undo ? "Undone: " : ""}
          {bulkWords(last.action, last.group)}: {bulkResultWords(last.saved, last.unchanged, last.failed)}.
          {!last.undo && last.saved > 0 && !readOnly && (
            <>
              {" "}
              <button type="button" className="link" onClick={() => onStart({ kind: "undo", report: last })}>
                Undo
              </button>
            </>
          )}
          <button type="button" className="link" aria-label="Dismiss" onClick={onDismiss}>
            ×
          </button>
        </p>
      )}
    </>
  );
}

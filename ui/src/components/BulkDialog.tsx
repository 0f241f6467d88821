import { useEffect, useRef, useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type BulkReport, type BulkRequest, type RunProgress } from "../ipc";
import type { BulkAction } from "../bindings/BulkAction";
import { BULK_ATTRIBUTES, bulkResultWords, bulkWords, outcomeWords } from "../bulk";
import { attributeLabel, count, progressLabel } from "../format";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";
import { Modal } from "./Modal";
import { ProgressBar } from "./ProgressBar";
import { UserPicker } from "./UserPicker";
import { queryKeys } from "../queryKeys";

/** Where the dialog begins: the action chosen in the selection bar, or the undo of a run. */
export type BulkStart =
  | { kind: "deactivate" }
  | { kind: "activate" }
  | { kind: "addToGroup" }
  | { kind: "removeFromGroup" }
  | { kind: "setAttribute" }
  | { kind: "undo"; report: BulkReport };

interface Props {
  provider: string;
  ids: string[];
  start: BulkStart;
  onClose: () => void;
  /** Told of each finished run (and undo), for the "last change" line and its undo. */
  onReport: (report: BulkReport) => void;
}

/** Rows of the review shown at once; the rest are counted. */
const SHOWN = 200;

function shown(v: unknown): string {
  if (v === undefined || v === null || v === "") return "—";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "object" && v !== null && "value" in v) return String((v as { value: unknown }).value);
  return JSON.stringify(v);
}

/** A table of people (the first SHOWN rows), saying how many more there are. */
function PeopleTable({ heads, more, children }: { heads: string[]; more: number; children: ReactNode }) {
  return (
    <div className="bulk-table">
      <table>
        <thead>
          <tr>
            {heads.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
      {more > 0 && <p className="muted small">and {count(more, "more person", "more people")}</p>}
    </div>
  );
}

/** One change for the selected people: choose, review who changes and how, save record by
 * record with progress (stoppable), results per person, undo of the whole run. */
export function BulkDialog({ provider, ids, start, onClose, onReport }: Props) {
  const qc = useQueryClient();
  const direct = start.kind === "deactivate" || start.kind === "activate";
  const [action, setAction] = useState<BulkAction | null>(
    start.kind === "deactivate" || start.kind === "activate" ? { kind: start.kind } : null,
  );
  const [attribute, setAttribute] = useState(BULK_ATTRIBUTES[0]?.path ?? "title");
  const [value, setValue] = useState("");
  const [valueLabel, setValueLabel] = useState<string | undefined>();
  const [clear, setClear] = useState(false);
  const [groupId, setGroupId] = useState<string | undefined>();
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const request: BulkRequest | null = action ? { provider, ids, action } : null;
  const preview = useQuery({
    queryKey: queryKeys.bulkPreview(request),
    enabled: request !== null && start.kind !== "undo",
    queryFn: () => ipc.previewBulk(request as BulkRequest),
    gcTime: 0,
  });
  const withProgress = async (work: () => Promise<BulkReport>): Promise<BulkReport> => {
    setProgress(null);
    const unlisten = await ipc.onBulkProgress(setProgress);
    try {
      return await work();
    } finally {
      unlisten();
    }
  };
  const run = useMutation({
    mutationFn: (work: () => Promise<BulkReport>) => withProgress(work),
    onSuccess: (r) => onReport(r),
    onSettled: () => qc.invalidateQueries(),
  });
  // Opened to undo a run: it starts at once (the person asked for it from the last-change line).
  const undoStarted = useRef(false);
  const { mutate } = run;
  useEffect(() => {
    if (start.kind !== "undo" || undoStarted.current) return;
    undoStarted.current = true;
    const done = start.report;
    mutate(() => ipc.undoBulk(done));
  }, [start, mutate]);
  const chosen = BULK_ATTRIBUTES.find((a) => a.path === attribute);
  const choose = () => {
    if (start.kind === "addToGroup" || start.kind === "removeFromGroup") {
      if (groupId) setAction({ kind: start.kind, groupId });
    } else if (start.kind === "setAttribute") {
      const v = clear ? null : chosen?.input === "person" ? (value ? { value } : null) : value.trim();
      if (v === null && !clear) return;
      if (v === "") return;
      setAction({ kind: "setAttribute", path: attribute, value: v });
    }
  };
  const words = action ? bulkWords(action, preview.data?.group, valueLabel) : "";
  const title =
    start.kind === "undo"
      ? `Undo: ${bulkWords(start.report.action, start.report.group)}`
      : `${words || "Change"} · ${count(ids.length, "person", "people")}`;
  const busy = run.isPending;
  const report = run.data;

  let body;
  if (run.isError) {
    body = <ErrorBox error={toCommandError(run.error)} title="The change could not be run" />;
  } else if (busy) {
    body = (
      <>
        <ProgressBar
          label={progressLabel(start.kind === "undo" ? "Undoing" : "Saving", progress?.etaSeconds)}
          done={progress?.finished ?? 0}
          total={progress?.total ?? 0}
        />
        <p className="muted small">
          Each person is saved on its own; a person who cannot be saved does not stop the others.
        </p>
      </>
    );
  } else if (report) {
    const order = (o: string) => (o === "saved" ? 2 : o === "unchanged" ? 1 : 0);
    const rows = [...report.rows].sort((a, b) => order(a.outcome) - order(b.outcome));
    body = (
      <div data-testid={testIds.bulkResult}>
        <p className={report.failed > 0 ? "warn-line" : "ok-line"} role="status">
          {report.undo ? "Undone. " : ""}
          {bulkResultWords(report.saved, report.unchanged, report.failed)}.
        </p>
        <PeopleTable heads={["Person", "Result", "Why"]} more={rows.length - SHOWN}>
          {rows.slice(0, SHOWN).map((r) => (
            <tr key={r.id} data-testid={testIds.bulkResultRow} data-outcome={r.outcome}>
              <td>{r.label}</td>
              <td>
                <span className={r.outcome === "saved" || r.outcome === "unchanged" ? "tag" : "tag warn"}>
                  {outcomeWords(r.outcome)}
                </span>
              </td>
              <td className="small">{r.message ?? ""}</td>
            </tr>
          ))}
        </PeopleTable>
      </div>
    );
  } else if (!action) {
    body = (
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          choose();
        }}
      >
        {start.kind === "setAttribute" ? (
          <>
            <label>
              Attribute
              <select
                value={attribute}
                onChange={(e) => {
                  setAttribute(e.target.value);
                  setValue("");
                  setValueLabel(undefined);
                }}
                data-testid={testIds.bulkAttribute}
              >
                {BULK_ATTRIBUTES.map((a) => (
                  <option key={a.path} value={a.path}>
                    {a.label}
                  </option>
                ))}
              </select>
            </label>
            {chosen?.input === "person" ? (
              <label>
                New {chosen.label.toLowerCase()}
                <UserPicker
                  provider={provider}
                  id="bulk-value"
                  value={value || undefined}
                  disabled={clear}
                  onChange={(id, label) => {
                    setValue(id ?? "");
                    setValueLabel(label);
                  }}
                />
              </label>
            ) : (
              <label>
                New {chosen?.label.toLowerCase() ?? "value"}
                <input
                  type="text"
                  value={value}
                  disabled={clear}
                  onChange={(e) => setValue(e.target.value)}
                  data-testid={testIds.bulkValue}
                />
              </label>
            )}
            <label className="inline">
              <input type="checkbox" checked={clear} onChange={(e) => setClear(e.target.checked)} />
              Clear it for everyone selected instead
            </label>
          </>
        ) : (
          <label>
            Group
            <UserPicker
              provider={provider}
              id="bulk-group"
              kind="Group"
              value={groupId}
              placeholder="Type a group name to search"
              onChange={(id) => setGroupId(id)}
            />
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="primary"
            disabled={start.kind === "setAttribute" ? !clear && !value.trim() : !groupId}
            data-testid={testIds.bulkReview}
          >
            Review
          </button>
        </div>
      </form>
    );
  } else if (preview.isError) {
    body = <ErrorBox error={toCommandError(preview.error)} title="The change could not be reviewed" />;
  } else if (!preview.data) {
    body = <p className="muted">Reading the selected people…</p>;
  } else {
    const p = preview.data;
    const changing = p.rows.filter((r) => r.changes.length > 0);
    body = (
      <>
        <p data-testid={testIds.bulkSummary}>
          <strong>{words}</strong> for {count(p.changing, "person", "people")}
          {p.unchanged > 0 && <> ({count(p.unchanged, "person", "people")} already so: nothing is sent for them)</>}.
          {action.kind === "deactivate" &&
            " They can no longer sign in to the systems this provider feeds; their accounts are kept and you can undo this."}
        </p>
        {p.warnings.map((w) => (
          <p key={w} className="warn-line small">
            {w}
          </p>
        ))}
        <PeopleTable heads={["Person", "What changes"]} more={changing.length - SHOWN}>
          {changing.slice(0, SHOWN).map((r) => (
            <tr key={r.id} data-testid={testIds.bulkPreviewRow}>
              <td>{r.label}</td>
              <td className="small">
                {r.changes.map((c) => (
                  <div key={c.path} title={c.path}>
                    {attributeLabel(c.path)}: {shown(c.before)} → {shown(c.after)}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </PeopleTable>
      </>
    );
  }

  return (
    <Modal title={title} testId={testIds.bulkDialog} wide onClose={busy ? () => undefined : onClose}>
      {body}
      {action && !report && !busy && !run.isError && (
        <div className="dialog-actions">
          {!direct && (
            <button type="button" onClick={() => setAction(null)}>
              Back
            </button>
          )}
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={action.kind === "deactivate" ? "danger" : "primary"}
            disabled={!preview.data || preview.data.changing === 0}
            onClick={() => request && run.mutate(() => ipc.runBulk(request))}
            data-testid={testIds.bulkSave}
          >
            {preview.data ? `Save for ${count(preview.data.changing, "person", "people")}` : "Save"}
          </button>
        </div>
      )}
      {busy && (
        <div className="dialog-actions">
          <button type="button" onClick={() => void ipc.cancelBulk()} data-testid={testIds.bulkStop}>
            Stop after the current person
          </button>
        </div>
      )}
      {(report || run.isError) && (
        <div className="dialog-actions">
          {report && !report.undo && report.saved > 0 && (
            <button type="button" onClick={() => run.mutate(() => ipc.undoBulk(report))} data-testid={testIds.bulkUndo}>
              Undo all
            </button>
          )}
          <button type="button" className="primary" onClick={onClose} data-testid={testIds.bulkDone} autoFocus>
            Close
          </button>
        </div>
      )}
    </Modal>
  );
}

import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { ipc, toCommandError, type ColumnMapping, type ImportPreview } from "../ipc";
import { testIds } from "../testIds";
import { useCacheRefresh } from "./cacheRefresh";
import { ErrorBox } from "./ErrorBox";
import { Modal } from "./Modal";

const ATTRIBUTES: [string, string][] = [
  ["userName", "User name (matches people)"],
  ["name.givenName", "First name"],
  ["name.familyName", "Last name"],
  ["displayName", "Display name"],
  ["emails.work", "Work email"],
  ["phoneNumbers.work", "Work phone"],
  ["title", "Title"],
  ["department", "Department"],
  ["employeeNumber", "Employee number"],
  ["active", "Active (yes/no)"],
  ["externalId", "External id"],
];

function show(v: unknown): string {
  if (v === undefined || v === null) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Import a CSV: map its columns, preview every change, then apply. */
export function ImportDialog({ provider, onClose }: { provider: string; onClose: () => void }) {
  const [csv, setCsv] = useState("");
  const [mapping, setMapping] = useState<ColumnMapping[] | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const refresh = useCacheRefresh();
  const columns = useMutation({
    mutationFn: (text: string) => ipc.csvColumns(text),
    onSuccess: (m) => {
      setMapping(m);
      setPreview(null);
    },
  });
  const check = useMutation({
    mutationFn: () => ipc.previewImport({ provider, csv, mapping: mapping ?? [] }),
    onSuccess: setPreview,
  });
  const apply = useMutation({
    mutationFn: () => ipc.applyImport({ provider, csv, mapping: mapping ?? [] }),
    onSuccess: () => refresh(),
  });
  const load = (text: string) => {
    setCsv(text);
    if (text.trim()) columns.mutate(text);
  };
  const error = columns.error ?? check.error ?? apply.error;
  const pending = preview ? preview.creates + preview.updates : 0;
  return (
    <Modal title={`Import users into ${provider} from CSV`} testId={testIds.importDialog} wide onClose={onClose}>
      <div className="dialog-scroll">
        <p className="muted small">
          Choose a CSV file saved from a spreadsheet, or paste its text. The first line names the columns; rows are
          matched to existing people by user name. Nothing is sent before you apply the preview.
        </p>
        <div className="import-source">
          <input
            type="file"
            accept=".csv,text/csv"
            aria-label="CSV file"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (f) load(await f.text());
            }}
          />
          <textarea
            aria-label="CSV text"
            placeholder={
              "userName,First name,Last name,Email,Department\nana.silva,Ana,Silva,ana.silva@example.com,Finance"
            }
            rows={4}
            value={csv}
            onChange={(e) => setCsv(e.target.value)}
            onBlur={() => load(csv)}
            data-testid={testIds.importText}
          />
          <button type="button" onClick={() => load(csv)} disabled={!csv.trim()} data-testid={testIds.importRead}>
            Read columns
          </button>
        </div>
        {error && <ErrorBox error={toCommandError(error)} title="The import cannot go on" />}
        {mapping && (
          <table className="grid compact" data-testid={testIds.importMapping}>
            <thead>
              <tr>
                <th scope="col">Column in the file</th>
                <th scope="col">Fills</th>
              </tr>
            </thead>
            <tbody>
              {mapping.map((m, i) => (
                <tr key={i}>
                  <td>{m.column}</td>
                  <td>
                    <select
                      aria-label={`Attribute for column ${m.column}`}
                      value={m.attribute ?? ""}
                      onChange={(e) => {
                        setMapping(
                          mapping.map((x, j) => (j === i ? { ...x, attribute: e.target.value || undefined } : x)),
                        );
                        setPreview(null);
                      }}
                    >
                      <option value="">(ignore this column)</option>
                      {ATTRIBUTES.map(([a, text]) => (
                        <option key={a} value={a}>
                          {text}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {preview && (
          <div data-testid={testIds.importPreview}>
            <p>
              <strong>{preview.creates}</strong> new, <strong>{preview.updates}</strong> changed, {preview.unchanged}{" "}
              unchanged, <strong className={preview.errors ? "error-text" : undefined}>{preview.errors}</strong> with
              problems (skipped).
            </p>
            <table className="grid compact">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">User name</th>
                  <th scope="col">What happens</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r) => (
                  <tr key={r.line} data-testid={testIds.importRow} data-action={r.action}>
                    <td>{r.line}</td>
                    <td>{r.userName}</td>
                    <td>
                      {r.action === "error" ? (
                        <span className="error-text">{r.error}</span>
                      ) : r.action === "unchanged" ? (
                        <span className="muted">no change</span>
                      ) : (
                        <>
                          <span className="tag">{r.action === "create" ? "new" : "update"}</span>{" "}
                          {r.changes.map((c) => `${c.path}: ${show(c.before)} → ${show(c.after)}`).join("; ")}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {apply.data && (
          <div className={apply.data.failed.length ? "warning" : "ok-line"} data-testid={testIds.importResult}>
            Created {apply.data.created}, updated {apply.data.updated}
            {apply.data.failed.length > 0 && <>, {apply.data.failed.length} refused by the provider:</>}
            <ul>
              {apply.data.failed.map((f) => (
                <li key={f.line}>
                  Line {f.line} ({f.userName}): {f.error}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button
          type="button"
          onClick={() => check.mutate()}
          disabled={!mapping || check.isPending}
          data-testid={testIds.importPreviewButton}
        >
          {check.isPending ? "Checking…" : "Preview changes"}
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => apply.mutate()}
          disabled={!preview || pending === 0 || apply.isPending || apply.isSuccess}
          data-testid={testIds.importApply}
        >
          {apply.isPending ? "Sending…" : `Apply ${pending} change${pending === 1 ? "" : "s"}`}
        </button>
      </div>
    </Modal>
  );
}

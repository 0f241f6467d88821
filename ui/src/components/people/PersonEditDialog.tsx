import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type PersonChange,
  type PersonEditReport,
  type PersonEditRequest,
  type PersonPage,
} from "../../ipc";
import { testIds } from "../../testIds";
import { Modal } from "../Modal";
import { ErrorBox } from "../ErrorBox";
import { attributeLabel } from "../../format";
import { ProviderChecks } from "./ProviderChecks";

/** The fields one edit can change everywhere, with their value in an account. */
const FIELDS: { attribute: string; label: string; of: (a: PersonPage["accounts"][number]) => string }[] = [
  { attribute: "givenName", label: "Given name", of: (a) => a.givenName ?? "" },
  { attribute: "familyName", label: "Family name", of: (a) => a.familyName ?? "" },
  { attribute: "displayName", label: "Display name", of: (a) => a.displayName ?? "" },
  { attribute: "email", label: "E-mail (primary)", of: (a) => a.emails[0] ?? "" },
  { attribute: "title", label: "Title", of: (a) => a.title ?? "" },
  { attribute: "department", label: "Department", of: (a) => a.department ?? "" },
  { attribute: "employeeNumber", label: "Employee number", of: (a) => a.employeeNumber ?? "" },
];

type Stage = "form" | "review" | "result";

/** Change a person once: the new values, the providers, the exact request per provider, then
 * saved side by side, with undo. */
export function PersonEditDialog({
  person,
  onClose,
  onSaved,
}: {
  person: PersonPage;
  onClose: () => void;
  onSaved: () => void;
}) {
  const base = person.accounts.find((a) => a.sourceOfTruth) ?? person.accounts[0];
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(FIELDS.map((f) => [f.attribute, base ? f.of(base) : ""])),
  );
  const [chosen, setChosen] = useState<string[]>(person.accounts.map((a) => a.provider));
  const [stage, setStage] = useState<Stage>("form");
  const [report, setReport] = useState<PersonEditReport | null>(null);
  const changes: PersonChange[] = FIELDS.filter((f) => base && values[f.attribute] !== f.of(base)).map((f) => ({
    attribute: f.attribute,
    value: (values[f.attribute] ?? "").trim() === "" ? null : values[f.attribute],
  }));
  const request: PersonEditRequest = { person: person.id, changes, providers: chosen };
  const preview = useMutation({
    mutationFn: () => ipc.previewPersonEdit(request),
    onSuccess: () => setStage("review"),
  });
  const save = useMutation({
    mutationFn: (r: PersonEditRequest) => ipc.savePersonEdit(r),
    onSuccess: (r) => {
      setReport(r);
      setStage("result");
      onSaved();
    },
  });
  const undo = useMutation({
    mutationFn: (r: PersonEditReport) => ipc.undoPersonEdit(r),
    onSuccess: (r) => {
      setReport(r);
      onSaved();
    },
  });
  const sending = preview.data?.accounts.filter((a) => a.preview) ?? [];
  const failed = report?.accounts.filter((a) => a.outcome === "failed" || a.outcome === "conflict") ?? [];

  return (
    <Modal title={`Edit ${person.name} everywhere`} testId={testIds.personEditDialog} wide onClose={onClose}>
      {stage === "form" && (
        <>
          <p className="muted">
            Change the values once; each chosen provider gets the request its own rules call for, shown before anything
            is sent. Starting values: {base?.provider}
            {base?.sourceOfTruth ? " (source of truth)" : ""}.
          </p>
          <div className="form-grid">
            {FIELDS.map((f) => (
              <label key={f.attribute}>
                {f.label}
                <input
                  value={values[f.attribute] ?? ""}
                  onChange={(e) => setValues((v) => ({ ...v, [f.attribute]: e.target.value }))}
                  data-testid={testIds.personEditField}
                  data-attribute={f.attribute}
                />
              </label>
            ))}
          </div>
          <ProviderChecks
            legend="In"
            items={person.accounts.map((a) => ({
              provider: a.provider,
              label: `${a.provider}: ${a.userName ?? a.id}`,
            }))}
            chosen={chosen}
            onChange={setChosen}
            testId={testIds.personEditProvider}
          />
          {preview.isError && (
            <ErrorBox error={toCommandError(preview.error)} title="The change could not be prepared" />
          )}
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="primary"
              disabled={changes.length === 0 || chosen.length === 0 || preview.isPending}
              onClick={() => preview.mutate()}
              data-testid={testIds.personEditReview}
            >
              {preview.isPending ? "Reading the accounts…" : "Review"}
            </button>
          </div>
        </>
      )}
      {stage === "review" && preview.data && (
        <>
          {preview.data.accounts.map((a) => (
            <section key={a.provider} className="card pad edit-card" data-testid={testIds.personEditRequest}>
              <strong>{a.provider}</strong> {a.userName ?? a.accountId}
              {a.preview ? (
                <>
                  <ul className="plain-list">
                    {a.preview.changes.map((c) => (
                      <li key={c.path}>
                        {attributeLabel(c.path)}: {shown(c.before)} → <strong>{shown(c.after)}</strong>
                      </li>
                    ))}
                  </ul>
                  <p className="small">
                    <code>
                      {a.preview.method} {a.preview.path}
                    </code>
                    {a.preview.ifMatch ? ` with If-Match ${a.preview.ifMatch}` : " (this provider has no version tags)"}
                  </p>
                  <details className="small">
                    <summary>The request</summary>
                    <pre>{a.preview.bodies.map((b) => JSON.stringify(b, null, 2)).join("\n")}</pre>
                  </details>
                  {a.preview.warnings.map((w) => (
                    <p key={w} className="warn-line small">
                      {w}
                    </p>
                  ))}
                </>
              ) : (
                <p className="muted small">{a.note}</p>
              )}
            </section>
          ))}
          {save.isError && <ErrorBox error={toCommandError(save.error)} title="The change was not saved" />}
          <div className="dialog-actions">
            <button type="button" onClick={() => setStage("form")}>
              Back
            </button>
            <button
              type="button"
              className="primary"
              disabled={sending.length === 0 || save.isPending}
              onClick={() => save.mutate({ ...request, providers: sending.map((a) => a.provider) })}
              data-testid={testIds.personEditSave}
            >
              {save.isPending
                ? "Saving…"
                : `Save to ${sending.length} ${sending.length === 1 ? "account" : "accounts"}`}
            </button>
          </div>
        </>
      )}
      {stage === "result" && report && (
        <div data-testid={testIds.personEditResult}>
          <ul className="plain-list">
            {report.accounts.map((a) => (
              <li key={a.provider} data-testid={testIds.personEditAccount} data-outcome={a.outcome}>
                <strong>{a.provider}</strong>:{" "}
                {a.outcome === "saved"
                  ? report.undo
                    ? "put back"
                    : "saved"
                  : a.outcome === "unchanged"
                    ? "already so"
                    : a.outcome === "conflict"
                      ? "changed meanwhile, not saved"
                      : "NOT saved"}
                {a.message && <span className="muted"> — {a.message}</span>}
                {!report.undo && a.outcome === "saved" && (
                  <>
                    {" "}
                    <button
                      type="button"
                      className="link"
                      disabled={undo.isPending}
                      onClick={() => undo.mutate({ ...report, accounts: [a] })}
                    >
                      Undo in {a.provider}
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
          {undo.isError && <ErrorBox error={toCommandError(undo.error)} title="Undo failed" />}
          <div className="dialog-actions">
            {failed.length > 0 && (
              <button
                type="button"
                onClick={() => save.mutate({ ...request, providers: failed.map((a) => a.provider) })}
                disabled={save.isPending}
                data-testid={testIds.personEditRetry}
              >
                Try again in {failed.map((a) => a.provider).join(", ")}
              </button>
            )}
            {!report.undo && report.accounts.some((a) => a.outcome === "saved") && (
              <button
                type="button"
                onClick={() => undo.mutate(report)}
                disabled={undo.isPending}
                data-testid={testIds.personEditUndo}
              >
                Undo everywhere
              </button>
            )}
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

/** A changed value as text. */
function shown(v: unknown): string {
  if (v === null || v === undefined) return "—";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

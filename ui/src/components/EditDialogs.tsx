import { useState } from "react";
import type { ConflictField, EditPreview } from "../ipc";
import { same, type Json } from "../resource";
import { testIds } from "../testIds";
import { attributeLabel } from "../format";
import { Modal } from "./Modal";

function show(v: unknown): string {
  if (v === undefined || v === null) return "—";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** The exact difference and the request that will be sent, before anything is sent. */
export function ReviewDialog({
  preview,
  who,
  busy,
  note,
  cancelLabel = "Back to editing",
  onConfirm,
  onCancel,
}: {
  preview: EditPreview;
  who: string;
  busy: boolean;
  /** What the change means, in words (e.g. for a deactivation). */
  note?: string;
  cancelLabel?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={`Review the change to ${who}`} testId={testIds.reviewDialog} wide onClose={onCancel}>
      {note && (
        <p className="banner" data-testid={testIds.reviewNote}>
          {note}
        </p>
      )}
      {preview.changes.length === 0 ? (
        <p className="muted">Nothing changed.</p>
      ) : (
        <table className="grid compact" data-testid={testIds.reviewChanges}>
          <thead>
            <tr>
              <th scope="col">Attribute</th>
              <th scope="col">Now</th>
              <th scope="col">After saving</th>
            </tr>
          </thead>
          <tbody>
            {preview.changes.map((c, i) => (
              <tr key={i}>
                <td>
                  {attributeLabel(c.path)}
                  <div className="mono muted small">{c.path}</div>
                </td>
                <td className="old">{show(c.before)}</td>
                <td className="new">{show(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {preview.warnings.map((w) => (
        <p key={w} className="muted small">
          {w}
        </p>
      ))}
      <details>
        <summary>
          The request SCIM Desk will send ({preview.method} {preview.path})
        </summary>
        <pre className="mono request" data-testid={testIds.reviewRequest}>
          {`${preview.method} ${preview.path}\n${preview.ifMatch ? `If-Match: ${preview.ifMatch}\n` : ""}\n${preview.bodies
            .map((b) => JSON.stringify(b, null, 2))
            .join("\n\n")}`}
        </pre>
      </details>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} disabled={busy} data-testid={testIds.reviewCancel}>
          {cancelLabel}
        </button>
        <button
          type="button"
          className="primary"
          onClick={onConfirm}
          disabled={busy || preview.changes.length === 0}
          data-testid={testIds.confirmSave}
          autoFocus
        >
          {busy ? "Saving…" : "Save to provider"}
        </button>
      </div>
    </Modal>
  );
}

/** Someone changed the record meanwhile: base / mine / theirs, field by field. */
export function ConflictDialog({
  fields,
  busy,
  onResolve,
  onCancel,
}: {
  fields: ConflictField[];
  busy: boolean;
  onResolve: (takeMine: string[]) => void;
  onCancel: () => void;
}) {
  // Only fields where both sides changed need a choice; the rest merge on their own.
  const contested = fields.filter(
    (f) =>
      !same(f.base as Json, f.mine as Json) &&
      !same(f.base as Json, f.theirs as Json) &&
      !same(f.mine as Json, f.theirs as Json),
  );
  const [mine, setMine] = useState<Set<string>>(() => new Set(contested.map((f) => f.path)));
  const keep = (path: string, side: "mine" | "theirs") => {
    const next = new Set(mine);
    if (side === "mine") next.add(path);
    else next.delete(path);
    setMine(next);
  };
  return (
    <Modal title="Someone else changed this record" testId={testIds.conflictDialog} wide onClose={onCancel}>
      <p className="muted">
        Nothing was saved. The provider has a newer version than the one you started from. Choose, for each attribute
        both of you changed, which value to keep. Changes only one side made are kept as they are.
      </p>
      <table className="grid compact">
        <thead>
          <tr>
            <th scope="col">Attribute</th>
            <th scope="col">When you opened it</th>
            <th scope="col">Yours</th>
            <th scope="col">On the provider now</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => {
            const choice = contested.some((c) => c.path === f.path);
            return (
              <tr key={f.path} data-testid={testIds.conflictField}>
                <td className="mono">{f.path}</td>
                <td className="old">{show(f.base)}</td>
                {(["mine", "theirs"] as const).map((side) => (
                  <td key={side}>
                    {choice ? (
                      <label className="inline">
                        <input
                          type="radio"
                          name={`c-${f.path}`}
                          checked={mine.has(f.path) === (side === "mine")}
                          onChange={() => keep(f.path, side)}
                          data-testid={`keep-${side}-${f.path}`}
                        />
                        {show(f[side])}
                      </label>
                    ) : (
                      show(f[side])
                    )}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} disabled={busy}>
          Keep editing
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => onResolve([...mine])}
          disabled={busy}
          data-testid={testIds.resolveConflict}
        >
          Review the merged version
        </button>
      </div>
    </Modal>
  );
}

/** A confirmation naming the person or group, for deactivate and delete. */
export function ConfirmDialog({
  title,
  body,
  action,
  danger,
  busy,
  onConfirm,
  onCancel,
}: {
  title: string;
  body: string;
  action: string;
  danger?: boolean;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={title} testId={testIds.confirmDialog} alert onClose={onCancel}>
      <p>{body}</p>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} disabled={busy} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className={danger ? "primary danger-fill" : "primary"}
          onClick={onConfirm}
          disabled={busy}
          data-testid={testIds.confirmAction}
        >
          {busy ? "Working…" : action}
        </button>
      </div>
    </Modal>
  );
}

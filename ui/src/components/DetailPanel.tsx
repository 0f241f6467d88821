import { useEffect, useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type ConflictField,
  type EditPreview,
  type EditRequest,
  type Kind,
  type ResourceDetail,
} from "../ipc";
import { changedPaths, displayLabel, validate, type JsonObject } from "../resource";
import { testIds } from "../testIds";
import { ConfirmDialog, ConflictDialog, ReviewDialog } from "./EditDialogs";
import { ErrorBox } from "./ErrorBox";
import { SchemaForm } from "./SchemaForm";
import { UserPicker } from "./UserPicker";

type Tab = "details" | "related" | "history" | "json";

interface Props {
  provider: string;
  kind: Kind;
  id: string;
  readOnly: boolean;
  onClose: () => void;
  onDeleted: () => void;
}

/** Refreshes every view of the cache after a write. */
export function useCacheRefresh() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "providers" });
}

/** One record: a form generated from the provider's schemas, staged edits, review, save. */
export function DetailPanel({ provider, kind, id, readOnly, onClose, onDeleted }: Props) {
  // Kept here: the editor starts afresh when the saved record comes back from the cache.
  const [saved, setSaved] = useState(false);
  const [tab, setTab] = useState<Tab>("details");
  const detail = useQuery({
    queryKey: ["detail", provider, kind, id],
    queryFn: () => ipc.resourceDetail(provider, kind, id),
  });
  if (detail.isPending) return <aside className="detail" aria-busy="true"><p className="muted pad">Loading…</p></aside>;
  if (detail.isError)
    return (
      <aside className="detail">
        <ErrorBox error={toCommandError(detail.error)} title="This record could not be opened" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </aside>
    );
  return (
    <Editor
      key={JSON.stringify(detail.data.resource)}
      provider={provider}
      kind={kind}
      id={id}
      detail={detail.data}
      readOnly={readOnly}
      onClose={onClose}
      onDeleted={onDeleted}
      saved={saved}
      setSaved={setSaved}
      tab={tab}
      setTab={setTab}
    />
  );
}

function Editor({
  provider,
  kind,
  id,
  detail,
  readOnly,
  onClose,
  onDeleted,
  saved,
  setSaved,
  tab,
  setTab,
}: Props & {
  detail: ResourceDetail;
  saved: boolean;
  setSaved: (s: boolean) => void;
  tab: Tab;
  setTab: (t: Tab) => void;
}) {
  const original = detail.resource as JsonObject;
  const [draft, setDraft] = useState<JsonObject>(original);
  const [review, setReview] = useState<{ request: EditRequest; preview: EditPreview } | null>(null);
  const [conflict, setConflict] = useState<{ request: EditRequest; theirs: unknown; fields: ConflictField[] } | null>(
    null,
  );
  const [confirm, setConfirm] = useState<"delete" | "deactivate" | null>(null);
  const refresh = useCacheRefresh();
  const who = displayLabel(original);
  const changed = useMemo(() => new Set(changedPaths(original, draft, detail.sections)), [original, draft, detail]);
  const problems = useMemo(() => validate(draft, detail.sections), [draft, detail]);

  const openReview = useMutation({
    mutationFn: async (request: EditRequest) => ({ request, preview: await ipc.previewEdit(request) }),
    onSuccess: (r) => setReview(r),
  });
  const save = useMutation({
    mutationFn: (request: EditRequest) => ipc.saveEdit(request),
    onSuccess: async (outcome, request) => {
      setReview(null);
      if (outcome.outcome === "saved") {
        setConflict(null);
        setSaved(true);
        await refresh();
      } else {
        setConflict({ request, theirs: outcome.theirs, fields: outcome.fields });
      }
    },
  });
  const resolve = useMutation({
    mutationFn: async (takeMine: string[]) => {
      if (!conflict) throw new Error("no conflict");
      const merged = await ipc.mergeConflict({
        base: conflict.request.before,
        mine: conflict.request.after,
        theirs: conflict.theirs,
        takeMine,
      });
      const request: EditRequest = { ...conflict.request, before: conflict.theirs, after: merged };
      return { request, preview: await ipc.previewEdit(request) };
    },
    onSuccess: (r) => {
      setConflict(null);
      setReview(r);
    },
  });
  const undo = useMutation({
    mutationFn: () => ipc.undoLast(provider),
    onSuccess: async (outcome) => {
      if (outcome.outcome === "conflict") {
        setConflict({
          request: { provider, kind, id, before: outcome.theirs, after: outcome.theirs },
          theirs: outcome.theirs,
          fields: outcome.fields,
        });
      }
      setSaved(false);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => ipc.deleteResource(provider, kind, original),
    onSuccess: async () => {
      setConfirm(null);
      await refresh();
      onDeleted();
    },
  });
  const deactivate = useMutation({
    mutationFn: async () => {
      const request: EditRequest = { provider, kind, id, before: original, after: { ...original, active: false } };
      return { request, preview: await ipc.previewEdit(request) };
    },
    onSuccess: (r) => {
      setConfirm(null);
      setReview(r);
    },
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
        e.preventDefault();
        if (changed.size > 0 && problems.length === 0 && !readOnly) {
          openReview.mutate({ provider, kind, id, before: original, after: draft });
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const error = openReview.error ?? save.error ?? resolve.error ?? undo.error ?? remove.error ?? deactivate.error;
  const active = original.active !== false;

  return (
    <aside className="detail" data-testid={testIds.detailPanel} aria-label={`Details of ${who}`}>
      <header className="detail-head">
        <div>
          <h2 data-testid={testIds.detailTitle}>{who}</h2>
          <p className="muted small">
            {kind === "User" ? (active ? "Active" : "Inactive") : `${detail.members.length} members`} · from the copy of{" "}
            {new Date(detail.snapshotAt).toLocaleString()}
          </p>
        </div>
        <button type="button" className="icon-button" aria-label="Close details (Escape)" onClick={onClose}>
          ×
        </button>
      </header>
      {saved && changed.size === 0 && (
        <p className="ok-line" data-testid={testIds.savedLine}>
          Saved to {provider}.{" "}
          <button type="button" className="link" onClick={() => undo.mutate()} data-testid={testIds.undo}>
            Undo
          </button>
        </p>
      )}
      {error && <ErrorBox error={toCommandError(error)} title="Not saved" />}
      <div className="tabs small" role="tablist" aria-label="Record">
        {(
          [
            ["details", "Details"],
            ["related", kind === "User" ? `Groups (${detail.groups.length})` : `Members (${detail.members.length})`],
            ["history", "History"],
            ["json", "JSON"],
          ] as [Tab, string][]
        ).map(([t, text]) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? "tab active" : "tab"}
            onClick={() => setTab(t)}
            data-testid={`detail-tab-${t}`}
          >
            {text}
          </button>
        ))}
      </div>
      <div className="detail-body">
        {tab === "details" && (
          <>
            {kind === "User" && detail.manager && (
              <p className="muted small">Manager: {detail.manager.label}</p>
            )}
            <SchemaForm
              provider={provider}
              sections={detail.sections}
              value={draft}
              onChange={setDraft}
              readOnly={readOnly}
              changed={changed}
            />
          </>
        )}
        {tab === "related" && (
          <Related provider={provider} kind={kind} id={id} detail={detail} readOnly={readOnly} />
        )}
        {tab === "history" && (
          <>
            <h3 className="small-head">In the copies on this computer</h3>
            <ul className="history" data-testid={testIds.versionList}>
              {detail.versions.map((v) => (
                <li key={v.snapshotId}>
                  <span>
                    <strong>{v.change}</strong> · copy of {new Date(v.takenAt).toLocaleString()}
                  </span>
                  <span className="muted small">{v.attributes.map((a) => a.path).join(", ")}</span>
                </li>
              ))}
            </ul>
            <h3 className="small-head">Changes made through SCIM Desk</h3>
            <ul className="history" data-testid={testIds.auditList}>
              {detail.audit.length === 0 && <li className="muted">None yet.</li>}
              {detail.audit.map((a) => (
                <li key={a.id}>
                  <span>
                    <strong>{a.operation}</strong> by {a.osUser} · {new Date(a.at).toLocaleString()}
                  </span>
                  {a.httpStatus !== undefined && <span className="muted"> HTTP {a.httpStatus}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
        {tab === "json" && <pre className="mono raw">{JSON.stringify(original, null, 2)}</pre>}
      </div>
      {!readOnly && (
        <footer className="detail-actions">
          {problems.length > 0 && changed.size > 0 && <p className="error-line">{problems.join(" ")}</p>}
          <button
            type="button"
            className="primary"
            disabled={changed.size === 0 || problems.length > 0 || openReview.isPending}
            onClick={() => openReview.mutate({ provider, kind, id, before: original, after: draft })}
            data-testid={testIds.saveChanges}
            title="Ctrl+S"
          >
            Review and save{changed.size > 0 ? ` (${changed.size})` : ""}
          </button>
          <button type="button" disabled={changed.size === 0} onClick={() => setDraft(original)}>
            Discard
          </button>
          <span className="spacer" />
          {kind === "User" && active && (
            <button type="button" onClick={() => setConfirm("deactivate")} data-testid={testIds.deactivate}>
              Deactivate
            </button>
          )}
          <button type="button" className="danger" onClick={() => setConfirm("delete")} data-testid={testIds.deleteRecord}>
            Delete
          </button>
        </footer>
      )}
      {review && (
        <ReviewDialog
          preview={review.preview}
          who={who}
          busy={save.isPending}
          onConfirm={() => save.mutate(review.request)}
          onCancel={() => setReview(null)}
        />
      )}
      {conflict && (
        <ConflictDialog
          fields={conflict.fields}
          busy={resolve.isPending}
          onResolve={(takeMine) => resolve.mutate(takeMine)}
          onCancel={() => setConflict(null)}
        />
      )}
      {confirm === "delete" && (
        <ConfirmDialog
          title={`Delete ${who}?`}
          body={`${who} will be deleted at ${provider}. This cannot be undone from SCIM Desk${
            kind === "User" ? "; to keep the account but block sign-in, deactivate instead" : ""
          }.`}
          action={`Delete ${who}`}
          danger
          busy={remove.isPending}
          onConfirm={() => remove.mutate()}
          onCancel={() => setConfirm(null)}
        />
      )}
      {confirm === "deactivate" && (
        <ConfirmDialog
          title={`Deactivate ${who}?`}
          body={`${who} will be marked inactive at ${provider} (active = false) and can no longer sign in to the systems it feeds. You can activate the account again later.`}
          action="Review deactivation"
          busy={deactivate.isPending}
          onConfirm={() => deactivate.mutate()}
          onCancel={() => setConfirm(null)}
        />
      )}
    </aside>
  );
}

/** A user's groups, or a group's members with add and remove. */
function Related({
  provider,
  kind,
  id,
  detail,
  readOnly,
}: {
  provider: string;
  kind: Kind;
  id: string;
  detail: ResourceDetail;
  readOnly: boolean;
}) {
  const refresh = useCacheRefresh();
  const change = useMutation({
    mutationFn: (c: { add: string[]; remove: string[] }) =>
      ipc.changeMembership({ provider, groupId: id, add: c.add, remove: c.remove }),
    onSuccess: () => refresh(),
  });
  if (kind === "User") {
    return (
      <ul className="related" data-testid={testIds.relatedList}>
        {detail.groups.length === 0 && <li className="muted">Not a member of any group.</li>}
        {detail.groups.map((g) => (
          <li key={g.id}>{g.label}</li>
        ))}
      </ul>
    );
  }
  return (
    <div>
      {change.isError && <ErrorBox error={toCommandError(change.error)} title="Membership not changed" />}
      {!readOnly && (
        <div className="add-member">
          <label htmlFor="add-member">Add a member</label>
          <UserPicker
            provider={provider}
            id="add-member"
            placeholder="Type a name to add"
            onChange={(uid) => uid && change.mutate({ add: [uid], remove: [] })}
          />
        </div>
      )}
      <ul className="related" data-testid={testIds.relatedList}>
        {detail.members.length === 0 && <li className="muted">This group has no members.</li>}
        {detail.members.map((m) => (
          <li key={m.id}>
            {m.label}
            {!readOnly && (
              <button
                type="button"
                className="link"
                aria-label={`Remove ${m.label} from the group`}
                disabled={change.isPending}
                onClick={() => change.mutate({ add: [], remove: [m.id] })}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

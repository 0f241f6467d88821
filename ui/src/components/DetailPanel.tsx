import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type ConflictField,
  type EditPreview,
  type EditRequest,
  type Kind,
  type ResourceDetail,
} from "../ipc";
import { changedPaths, displayLabel, namesToFollow, validate, type JsonObject } from "../resource";
import { testIds } from "../testIds";
import { attributeLabel, count } from "../format";
import { ConfirmDialog, ConflictDialog, ReviewDialog } from "./EditDialogs";
import { ErrorBox } from "./ErrorBox";
import { SchemaForm } from "./SchemaForm";
import { useCacheRefresh } from "./cacheRefresh";
import { Related, type DoneState, type SearchState, type Staged } from "./Related";
import { RecordPrint } from "./RecordPrint";
import { useDismiss } from "./useDismiss";
import { queryKeys } from "../queryKeys";

type Tab = "details" | "related" | "history" | "json";

interface Props {
  provider: string;
  kind: Kind;
  id: string;
  readOnly: boolean;
  onClose: () => void;
  onDeleted: () => void;
  /** Told whether the record has edits not saved yet. */
  onDirty?: (dirty: boolean) => void;
  /** Raised (counted up) when the person chose "Review and save" on leaving. */
  reviewAsked?: number;
  /** Opens another record of the same kind (a manager, a direct report). */
  onOpen?: (id: string) => void;
}

/** What a change of `active` means, in words, for its review. */
function activeNote(request: EditRequest, who: string, provider: string): string | undefined {
  const before = (request.before as { active?: unknown }).active !== false;
  const after = (request.after as { active?: unknown }).active !== false;
  if (before === after) return undefined;
  return after
    ? `${who} will be active again at ${provider} and can sign in to the systems it feeds.`
    : `${who} will be marked inactive at ${provider} and can no longer sign in to the systems it feeds. The account is kept; you can activate it again, or undo this change.`;
}

/** A saved update (or undo) can be reverted: the provider accepted it and both states are known. */
function revertible(a: ResourceDetail["audit"][number]): boolean {
  const ok = a.httpStatus !== undefined && a.httpStatus >= 200 && a.httpStatus < 300;
  return (
    ok &&
    a.before !== undefined &&
    a.after !== undefined &&
    (a.operation === "update" || a.operation.startsWith("undo"))
  );
}

/** A state from the audit log without the secrets it recorded only as "set". */
function withoutUnrecorded(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutUnrecorded);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== "(set; not recorded)")
        .map(([k, x]) => [k, withoutUnrecorded(x)]),
    );
  }
  return v;
}

/** How a copy of the record compares with the copy before it, in words. */
function versionWords(change: string): string {
  return change === "first_kept" ? "in the oldest copy kept" : change;
}

/** A value of the audit log as text ("—" when there was none). */
function shown(v: unknown): string {
  if (v === undefined || v === null) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One record: a form generated from the provider's schemas, staged edits, review, save. */
export function DetailPanel({ provider, kind, id, readOnly, onClose, onDeleted, onDirty, reviewAsked, onOpen }: Props) {
  // Kept here: the editor starts afresh when the saved record comes back from the cache.
  // The last save, with what the person should know about it (false: nothing saved yet).
  const [saved, setSaved] = useState<false | { note?: string; notKept?: string[] }>(false);
  const [tab, setTab] = useState<Tab>("details");
  // Kept here too: removing a member found by a search keeps the search.
  const memberSearch = useState("");
  // And the last membership change saved (its message and Undo outlive the re-read record).
  const membershipDone = useState<Staged | null>(null);
  const detail = useQuery({
    queryKey: queryKeys.detail(provider, kind, id),
    queryFn: () => ipc.resourceDetail(provider, kind, id),
  });
  // The editor's key: computed once per record read, not on every keystroke in the panel (a
  // group of 30,000 members is megabytes of JSON).
  const resource = detail.data?.resource;
  const editorKey = useMemo(() => JSON.stringify(resource), [resource]);
  if (detail.isPending)
    return (
      <aside className="detail" aria-busy="true">
        <p className="muted pad">Loading…</p>
      </aside>
    );
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
      key={editorKey}
      provider={provider}
      kind={kind}
      id={id}
      detail={detail.data}
      readOnly={readOnly}
      onClose={onClose}
      onDeleted={onDeleted}
      onDirty={onDirty}
      reviewAsked={reviewAsked}
      onOpen={onOpen}
      saved={saved}
      setSaved={setSaved}
      tab={tab}
      setTab={setTab}
      memberSearch={memberSearch}
      membershipDone={membershipDone}
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
  onDirty,
  reviewAsked,
  onOpen,
  saved,
  setSaved,
  tab,
  setTab,
  memberSearch,
  membershipDone,
}: Props & {
  detail: ResourceDetail;
  saved: false | { note?: string; notKept?: string[] };
  setSaved: (s: false | { note?: string; notKept?: string[] }) => void;
  tab: Tab;
  setTab: (t: Tab) => void;
  memberSearch: SearchState;
  membershipDone: DoneState;
}) {
  const original = detail.resource as JsonObject;
  const [draft, setDraft] = useState<JsonObject>(original);
  // Counted up by each Print: a new print page each time.
  const [printing, setPrinting] = useState(0);
  const moreMenu = useRef<HTMLDetailsElement>(null);
  useDismiss(moreMenu);
  const [review, setReview] = useState<{ request: EditRequest; preview: EditPreview } | null>(null);
  const [conflict, setConflict] = useState<{ request: EditRequest; theirs: unknown; fields: ConflictField[] } | null>(
    null,
  );
  const [confirm, setConfirm] = useState<"delete" | null>(null);
  const refresh = useCacheRefresh();
  const who = displayLabel(original);
  const changed = useMemo(() => new Set(changedPaths(original, draft, detail.sections)), [original, draft, detail]);
  const problems = useMemo(() => validate(draft, detail.sections), [draft, detail]);
  // A married colleague's new family name: the display and full names made from it follow.
  const follow = useMemo(() => (kind === "User" ? namesToFollow(original, draft) : null), [kind, original, draft]);

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
        setSaved({ note: outcome.note, notKept: outcome.notKept });
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
  // Deactivate and activate: one step to the review of that one change, saved like any edit
  // (so it shows in the history and can be undone).
  const setActive = useMutation({
    mutationFn: async (on: boolean) => {
      const request: EditRequest = { provider, kind, id, before: original, after: { ...original, active: on } };
      return { request, preview: await ipc.previewEdit(request) };
    },
    onSuccess: (r) => setReview(r),
  });

  // The list asks before leaving a record with unsaved edits.
  const unsaved = changed.size > 0 && !readOnly;
  useEffect(() => {
    onDirty?.(unsaved);
  }, [unsaved, onDirty]);
  useEffect(() => () => onDirty?.(false), [onDirty]);
  // "Review and save" from that question opens the review of the edits.
  const lastAsked = useRef(reviewAsked ?? 0);
  useEffect(() => {
    if (reviewAsked === undefined || reviewAsked === lastAsked.current) return;
    lastAsked.current = reviewAsked;
    if (changed.size > 0 && problems.length === 0 && !readOnly) {
      openReview.mutate({ provider, kind, id, before: original, after: draft });
    }
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

  const donePrinting = useCallback(() => setPrinting(0), []);
  const error = openReview.error ?? save.error ?? resolve.error ?? undo.error ?? remove.error ?? setActive.error;
  const active = original.active !== false;

  return (
    <aside className="detail" data-testid={testIds.detailPanel} aria-label={`Details of ${who}`}>
      <header className="detail-head">
        <div>
          <h2 data-testid={testIds.detailTitle}>{who}</h2>
          <p className="muted small">
            {kind === "User" ? (active ? "Active" : "Inactive") : count(detail.membersTotal, "member")} · from the copy
            of {new Date(detail.snapshotAt).toLocaleString()}
          </p>
        </div>
        <button
          type="button"
          onClick={() => setPrinting((n) => n + 1)}
          title="Print this record, or save it as a PDF"
          data-testid={testIds.printRecord}
        >
          Print…
        </button>
        <button type="button" className="icon-button" aria-label="Close details (Escape)" onClick={onClose}>
          ×
        </button>
      </header>
      {printing > 0 && (
        <RecordPrint key={printing} provider={provider} kind={kind} who={who} detail={detail} onDone={donePrinting} />
      )}
      {saved && changed.size === 0 && (
        <p className="ok-line" data-testid={testIds.savedLine}>
          Saved to {provider}.{" "}
          <button type="button" className="link" onClick={() => undo.mutate()} data-testid={testIds.undo}>
            Undo
          </button>
          {saved.note && (
            <span className="small muted" data-testid={testIds.savedNote}>
              <br />
              {saved.note}
            </span>
          )}
          {saved.notKept && saved.notKept.length > 0 && (
            <span className="small warn-text" data-testid={testIds.savedNotKept}>
              <br />
              {provider} accepted but did not keep: {saved.notKept.map(attributeLabel).join(", ")}. The copy shows what
              it holds.
            </span>
          )}
        </p>
      )}
      {error && <ErrorBox error={toCommandError(error)} title="Not saved" />}
      <div className="tabs small" role="tablist" aria-label="Record">
        {(
          [
            ["details", "Details"],
            [
              "related",
              kind === "User"
                ? `Groups and team (${detail.groups.length + detail.reports.length})`
                : `Members (${detail.membersTotal.toLocaleString()})`,
            ],
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
              <p className="muted small" data-testid={testIds.managerLine}>
                Manager:{" "}
                {onOpen ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => onOpen(detail.manager!.id)}
                    data-testid={testIds.managerLink}
                  >
                    {detail.manager.label}
                  </button>
                ) : (
                  detail.manager.label
                )}
                {detail.reports.length > 0 && ` · ${count(detail.reports.length, "direct report")}`}
              </p>
            )}
            {follow && !readOnly && (
              <p className="banner" data-testid={testIds.namesFollow}>
                The name changed. Update the display name and the full name to “{follow.full}” too?{" "}
                <button type="button" onClick={() => setDraft(follow.next)} data-testid={testIds.namesFollowApply}>
                  Update them
                </button>
              </p>
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
          <Related
            provider={provider}
            kind={kind}
            id={id}
            detail={detail}
            readOnly={readOnly}
            memberSearch={memberSearch}
            membershipDone={membershipDone}
            onOpen={onOpen}
          />
        )}
        {tab === "history" && (
          <>
            <h3 className="small-head">In the copies on this computer</h3>
            <ul className="history" data-testid={testIds.versionList}>
              {detail.versions.map((v) => (
                <li key={v.snapshotId}>
                  <span>
                    <strong>{versionWords(v.change)}</strong> · copy of {new Date(v.takenAt).toLocaleString()}
                  </span>
                  <span className="muted small">{v.attributes.map((a) => attributeLabel(a.path)).join(", ")}</span>
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
                  {!readOnly && revertible(a) && (
                    <button
                      type="button"
                      className="link"
                      disabled={openReview.isPending || changed.size > 0}
                      title={changed.size > 0 ? "Save or discard your edits first." : undefined}
                      onClick={() =>
                        openReview.mutate({
                          provider,
                          kind,
                          id,
                          // From what it saved back to what was there; a change made since
                          // shows as a conflict to resolve, as for any edit.
                          before: withoutUnrecorded(a.after) as JsonObject,
                          after: withoutUnrecorded(a.before) as JsonObject,
                        })
                      }
                      data-testid={testIds.revertChange}
                    >
                      Revert this change
                    </button>
                  )}
                  {(a.before !== undefined || a.after !== undefined) && (
                    <details className="small">
                      <summary>Technical detail</summary>
                      <pre className="mono raw" data-testid={testIds.auditDetail}>
                        {JSON.stringify(
                          {
                            operation: a.operation,
                            status: a.httpStatus,
                            paths: a.changes.map((c) => c.path),
                            before: a.before,
                            after: a.after,
                          },
                          null,
                          2,
                        )}
                      </pre>
                    </details>
                  )}
                  {a.changes.length > 0 && (
                    <ul className="audit-changes small" data-testid={testIds.auditChanges}>
                      {a.changes.map((c) => (
                        <li key={c.path} title={c.path}>
                          {attributeLabel(c.path)}: {shown(c.before)} → {shown(c.after)}
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
        {tab === "json" && <pre className="mono raw">{JSON.stringify(original, null, 2)}</pre>}
      </div>
      {!readOnly && (
        <footer className="detail-actions">
          {problems.length > 0 && changed.size > 0 && <p className="error-line actions-note">{problems.join(" ")}</p>}
          <button
            type="button"
            className="primary save-button"
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
          {kind === "User" && (
            <button
              type="button"
              onClick={() => setActive.mutate(!active)}
              disabled={setActive.isPending || changed.size > 0}
              title={changed.size > 0 ? "Save or discard your edits first." : undefined}
              data-testid={active ? testIds.deactivate : testIds.activate}
            >
              {active ? "Deactivate" : "Activate"}
            </button>
          )}
          {/* Rare and final: behind "More", away from the buttons used every day. */}
          <details className="menu up" ref={moreMenu}>
            <summary aria-label="More actions" title="More actions" data-testid={testIds.moreActions}>
              ⋯
            </summary>
            <div className="menu-body">
              <button
                type="button"
                className="danger"
                onClick={() => {
                  if (moreMenu.current) moreMenu.current.open = false;
                  setConfirm("delete");
                }}
                data-testid={testIds.deleteRecord}
              >
                Delete {kind === "User" ? "this person" : "this group"}…
              </button>
            </div>
          </details>
        </footer>
      )}
      {review && (
        <ReviewDialog
          preview={review.preview}
          who={who}
          busy={save.isPending}
          note={activeNote(review.request, who, provider)}
          cancelLabel={changed.size > 0 ? "Back to editing" : "Cancel"}
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
    </aside>
  );
}

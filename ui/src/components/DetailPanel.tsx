import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type ConflictField,
  type EditPreview,
  type EditRequest,
  type Kind,
  type ResourceDetail,
} from "../ipc";
import type { NamedRef } from "../bindings/NamedRef";
import { Modal } from "./Modal";
import { changedPaths, displayLabel, namesToFollow, validate, type JsonObject } from "../resource";
import { testIds } from "../testIds";
import { attributeLabel, count } from "../format";
import { ConfirmDialog, ConflictDialog, ReviewDialog } from "./EditDialogs";
import { ErrorBox } from "./ErrorBox";
import { SchemaForm } from "./SchemaForm";
import { UserPicker } from "./UserPicker";

type Tab = "details" | "related" | "history" | "json";
type SearchState = [string, (s: string) => void];
type DoneState = [Staged | null, (d: Staged | null) => void];

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
  return ok && a.before !== undefined && a.after !== undefined && (a.operation === "update" || a.operation.startsWith("undo"));
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

/** Refreshes every view of the cache after a write. */
export function useCacheRefresh() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "providers" });
}

/** One record: a form generated from the provider's schemas, staged edits, review, save. */
export function DetailPanel({ provider, kind, id, readOnly, onClose, onDeleted, onDirty, reviewAsked, onOpen }: Props) {
  // Kept here: the editor starts afresh when the saved record comes back from the cache.
  const [saved, setSaved] = useState(false);
  const [tab, setTab] = useState<Tab>("details");
  // Kept here too: removing a member found by a search keeps the search.
  const memberSearch = useState("");
  // And the last membership change saved (its message and Undo outlive the re-read record).
  const membershipDone = useState<Staged | null>(null);
  const detail = useQuery({
    queryKey: ["detail", provider, kind, id],
    queryFn: () => ipc.resourceDetail(provider, kind, id),
  });
  // The editor's key: computed once per record read, not on every keystroke in the panel (a
  // group of 30,000 members is megabytes of JSON).
  const resource = detail.data?.resource;
  const editorKey = useMemo(() => JSON.stringify(resource), [resource]);
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
  saved: boolean;
  setSaved: (s: boolean) => void;
  tab: Tab;
  setTab: (t: Tab) => void;
  memberSearch: SearchState;
  membershipDone: DoneState;
}) {
  const original = detail.resource as JsonObject;
  const [draft, setDraft] = useState<JsonObject>(original);
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

  const error = openReview.error ?? save.error ?? resolve.error ?? undo.error ?? remove.error ?? setActive.error;
  const active = original.active !== false;

  return (
    <aside className="detail" data-testid={testIds.detailPanel} aria-label={`Details of ${who}`}>
      <header className="detail-head">
        <div>
          <h2 data-testid={testIds.detailTitle}>{who}</h2>
          <p className="muted small">
            {kind === "User" ? (active ? "Active" : "Inactive") : count(detail.membersTotal, "member")} · from the copy of{" "}
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
                  <button type="button" className="link" onClick={() => onOpen(detail.manager!.id)} data-testid={testIds.managerLink}>
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

/** Members fetched at a time after the first ones the detail carries. */
const MEMBERS_PAGE = 200;

/** A user's groups, or a group's members with add and remove. */
function Related({
  provider,
  kind,
  id,
  detail,
  readOnly,
  memberSearch,
  membershipDone: [done, setDone],
  onOpen,
}: {
  provider: string;
  kind: Kind;
  id: string;
  detail: ResourceDetail;
  readOnly: boolean;
  memberSearch: SearchState;
  membershipDone: DoneState;
  onOpen?: (id: string) => void;
}) {
  const refresh = useCacheRefresh();
  // Membership changes are staged, reviewed, saved, told, and can be undone, like any edit.
  const [staged, setStaged] = useState<Staged>({ add: [], remove: [] });
  const [reviewing, setReviewing] = useState(false);
  const change = useMutation({
    mutationFn: async (c: Staged) => {
      if (kind === "Group") {
        await ipc.changeMembership({
          provider,
          groupId: id,
          add: c.add.map((m) => m.id),
          remove: c.remove.map((m) => m.id),
        });
        return;
      }
      // A person joins and leaves groups: one change to each group, in turn.
      for (const g of c.add) await ipc.changeMembership({ provider, groupId: g.id, add: [id], remove: [] });
      for (const g of c.remove) await ipc.changeMembership({ provider, groupId: g.id, add: [], remove: [id] });
    },
    onSuccess: (_, c) => {
      setStaged({ add: [], remove: [] });
      setReviewing(false);
      setDone(c);
      // The message comes at once; the lists follow when the copy is read again.
      void refresh();
    },
  });
  const pending = staged.add.length + staged.remove.length;
  if (kind === "User") {
    const person = (p: NamedRef) =>
      onOpen ? (
        <button type="button" className="link" onClick={() => onOpen(p.id)}>
          {p.label}
        </button>
      ) : (
        p.label
      );
    const leaving = (g: NamedRef) => staged.remove.some((r) => r.id === g.id);
    return (
      <>
        <h3 className="small-head">Groups</h3>
        {change.isError && <ErrorBox error={toCommandError(change.error)} title="Membership not changed" />}
        {done && !change.isPending && (
          <p className="ok-line" data-testid={testIds.membershipSaved}>
            {groupWords(done)}.{" "}
            <button
              type="button"
              className="link"
              data-testid={testIds.membershipUndo}
              onClick={() => change.mutate({ add: done.remove, remove: done.add })}
            >
              Undo
            </button>
          </p>
        )}
        {!readOnly && (
          <div className="add-member">
            <label htmlFor="add-to-group">Add to a group</label>
            <UserPicker
              provider={provider}
              id="add-to-group"
              kind="Group"
              placeholder="Type a group name"
              onChange={(gid, label) =>
                gid &&
                !detail.groups.some((g) => g.id === gid) &&
                setStaged((s) =>
                  s.add.some((a) => a.id === gid) ? s : { ...s, add: [...s.add, { id: gid, label: label ?? gid, kind: "Group" }] },
                )
              }
            />
          </div>
        )}
        {pending > 0 && (
          <div className="banner staged" data-testid={testIds.membershipStaged}>
            <span>Not saved yet: {groupWords(staged, true)}.</span>{" "}
            <button type="button" className="primary" onClick={() => setReviewing(true)} data-testid={testIds.membershipReview}>
              Review and save
            </button>{" "}
            <button type="button" onClick={() => setStaged({ add: [], remove: [] })}>
              Discard
            </button>
          </div>
        )}
        <ul className="related" data-testid={testIds.relatedList}>
          {detail.groups.length === 0 && <li className="muted">Not a member of any group.</li>}
          {detail.groups.map((g) => (
            <li key={g.id}>
              {g.label}
              {!readOnly && (
                <button
                  type="button"
                  className="link"
                  aria-label={`${leaving(g) ? "Stay in" : "Leave"} ${g.label}`}
                  disabled={change.isPending}
                  onClick={() =>
                    setStaged((s) =>
                      leaving(g) ? { ...s, remove: s.remove.filter((r) => r.id !== g.id) } : { ...s, remove: [...s.remove, g] },
                    )
                  }
                >
                  {leaving(g) ? "Stay (marked to leave)" : "Leave"}
                </button>
              )}
            </li>
          ))}
        </ul>
        {reviewing && (
          <MembershipReview
            title={`Review the groups of ${displayLabel(detail.resource as JsonObject)}`}
            staged={staged}
            words={{ add: "Joins", remove: "Leaves", warning: `Leaving a group takes away what it gives at ${provider}.` }}
            busy={change.isPending}
            onSave={() => change.mutate(staged)}
            onCancel={() => setReviewing(false)}
          />
        )}
        <h3 className="small-head">Reports to</h3>
        <p data-testid={testIds.reportsTo}>{detail.manager ? person(detail.manager) : <span className="muted">Nobody (no manager set).</span>}</p>
        <h3 className="small-head">Direct reports</h3>
        <ul className="related" data-testid={testIds.directReports}>
          {detail.reports.length === 0 && <li className="muted">Nobody reports to this person.</li>}
          {detail.reports.map((r) => (
            <li key={r.id}>{person(r)}</li>
          ))}
        </ul>
      </>
    );
  }
  const stageRemove = (m: NamedRef) =>
    setStaged((s) =>
      s.remove.some((r) => r.id === m.id)
        ? { ...s, remove: s.remove.filter((r) => r.id !== m.id) }
        : { ...s, remove: [...s.remove, m] },
    );
  const group = displayLabel(detail.resource as JsonObject);
  return (
    <div>
      {change.isError && <ErrorBox error={toCommandError(change.error)} title="Membership not changed" />}
      {done && !change.isPending && (
        <p className="ok-line" data-testid={testIds.membershipSaved}>
          {membershipWords(done)} in {group}.{" "}
          <button
            type="button"
            className="link"
            data-testid={testIds.membershipUndo}
            onClick={() => change.mutate({ add: done.remove, remove: done.add })}
          >
            Undo
          </button>
        </p>
      )}
      {!readOnly && (
        <div className="add-member">
          <label htmlFor="add-member">Add a member</label>
          <UserPicker
            provider={provider}
            id="add-member"
            placeholder="Type a name to add"
            onChange={(uid, label) =>
              uid &&
              setStaged((s) =>
                s.add.some((a) => a.id === uid) ? s : { ...s, add: [...s.add, { id: uid, label: label ?? uid, kind: "User" }] },
              )
            }
          />
        </div>
      )}
      {pending > 0 && (
        <div className="banner staged" data-testid={testIds.membershipStaged}>
          <span>
            Not saved yet: {membershipWords(staged, true)}.
          </span>{" "}
          <button type="button" className="primary" onClick={() => setReviewing(true)} data-testid={testIds.membershipReview}>
            Review and save
          </button>{" "}
          <button type="button" onClick={() => setStaged({ add: [], remove: [] })}>
            Discard
          </button>
          {staged.add.length > 0 && (
            <ul className="small">
              {staged.add.map((a) => (
                <li key={a.id}>+ {a.label}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <GroupMembers provider={provider} id={id} detail={detail} search={memberSearch}>
        {(m) =>
          !readOnly && (
            <button
              type="button"
              className="link"
              aria-label={`${staged.remove.some((r) => r.id === m.id) ? "Keep" : "Remove"} ${m.label} ${
                staged.remove.some((r) => r.id === m.id) ? "in" : "from"
              } the group`}
              disabled={change.isPending}
              onClick={() => stageRemove(m)}
            >
              {staged.remove.some((r) => r.id === m.id) ? "Keep (marked for removal)" : "Remove"}
            </button>
          )
        }
      </GroupMembers>
      {reviewing && (
        <MembershipReview
          title={`Review the members of ${group}`}
          staged={staged}
          words={{
            add: "Added to the group",
            remove: "Removed from the group",
            warning: `Removing a member takes away what the group gives them at ${provider}.`,
          }}
          busy={change.isPending}
          onSave={() => change.mutate(staged)}
          onCancel={() => setReviewing(false)}
        />
      )}
    </div>
  );
}

/** The review of staged membership changes: who (or which groups) join and leave. */
function MembershipReview({
  title,
  staged,
  words,
  busy,
  onSave,
  onCancel,
}: {
  title: string;
  staged: Staged;
  words: { add: string; remove: string; warning: string };
  busy: boolean;
  onSave: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={title} testId={testIds.membershipDialog} onClose={onCancel}>
      {(
        [
          [words.add, staged.add],
          [words.remove, staged.remove],
        ] as const
      ).map(
        ([head, list]) =>
          list.length > 0 && (
            <section key={head}>
              <h3 className="small-head">{head}</h3>
              <ul>
                {list.map((m) => (
                  <li key={m.id}>{m.label}</li>
                ))}
              </ul>
            </section>
          ),
      )}
      {staged.remove.length > 0 && <p className="muted small">{words.warning}</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={onSave} disabled={busy} data-testid={testIds.membershipSave} autoFocus>
          {busy ? "Saving…" : "Save to provider"}
        </button>
      </div>
    </Modal>
  );
}

/** Members to add and to remove. */
interface Staged {
  add: NamedRef[];
  remove: NamedRef[];
}

/** "Joined 2 groups and left 1" (or, staged, "2 groups to join and 1 to leave"). */
function groupWords(c: Staged, staged = false): string {
  const parts = [];
  if (c.add.length > 0) parts.push(staged ? `${count(c.add.length, "group")} to join` : `joined ${count(c.add.length, "group")}`);
  if (c.remove.length > 0) parts.push(staged ? `${count(c.remove.length, "group")} to leave` : `left ${count(c.remove.length, "group")}`);
  const text = parts.join(" and ");
  return staged ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

/** "2 added and 1 removed" (or, staged, "2 to add and 1 to remove"). */
function membershipWords(c: Staged, staged = false): string {
  const parts = [];
  if (c.add.length > 0) parts.push(`${count(c.add.length, "member")} ${staged ? "to add" : "added"}`);
  if (c.remove.length > 0) parts.push(`${count(c.remove.length, "member")} ${staged ? "to remove" : "removed"}`);
  return parts.join(" and ");
}

/**
 * A group's members, page by page from the local copy and searchable, so a group of tens of
 * thousands opens at once: the detail carries the first ones, the rest come on request.
 */
function GroupMembers({
  provider,
  id,
  detail,
  search: [search, setSearch],
  children,
}: {
  provider: string;
  id: string;
  detail: ResourceDetail;
  search: SearchState;
  children: (m: ResourceDetail["members"][number]) => React.ReactNode;
}) {
  const needle = useDeferredValue(search.trim());
  const pages = useInfiniteQuery({
    queryKey: ["members", provider, id, needle, detail.snapshotAt, detail.membersTotal],
    queryFn: ({ pageParam }) => ipc.groupMembers(provider, id, needle, pageParam, MEMBERS_PAGE),
    initialPageParam: 0,
    // The copy changes only by a sync or a write, and both change the key or invalidate it.
    staleTime: Infinity,
    getNextPageParam: (last, all) => {
      const loaded = all.reduce((n, p) => n + p.members.length, 0);
      return loaded < last.total && last.members.length > 0 ? loaded : undefined;
    },
    initialData:
      needle === "" ? { pages: [{ total: detail.membersTotal, members: detail.members }], pageParams: [0] } : undefined,
  });
  const members = pages.data?.pages.flatMap((p) => p.members) ?? [];
  const total = pages.data?.pages[0]?.total ?? 0;
  const left = total - members.length;
  return (
    <>
      {detail.membersTotal > 10 && (
        <div className="member-search">
          <label htmlFor="member-search">Find a member</label>
          <input
            id="member-search"
            type="search"
            data-testid={testIds.memberSearch}
            placeholder="Name, user name or id"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
      )}
      <p className="muted small" data-testid={testIds.memberCount} aria-live="polite">
        {needle === ""
          ? `${count(total, "member")}${left > 0 ? `, showing the first ${members.length.toLocaleString()}` : ""}`
          : `${total.toLocaleString()} of ${count(detail.membersTotal, "member")} ${total === 1 ? "matches" : "match"} “${needle}”`}
      </p>
      {pages.isError && <ErrorBox error={toCommandError(pages.error)} title="Members could not be read" />}
      <ul className="related" data-testid={testIds.relatedList} aria-busy={pages.isFetching}>
        {total === 0 && !pages.isPending && (
          <li className="muted">{needle === "" ? "This group has no members." : "No member matches."}</li>
        )}
        {members.map((m) => (
          <li key={m.id}>
            {m.label}
            {children(m)}
          </li>
        ))}
      </ul>
      {pages.hasNextPage && (
        <button
          type="button"
          className="link"
          data-testid={testIds.membersMore}
          disabled={pages.isFetchingNextPage}
          onClick={() => void pages.fetchNextPage()}
        >
          {pages.isFetchingNextPage
            ? "Loading…"
            : `Show ${Math.min(MEMBERS_PAGE, left).toLocaleString()} more (${left.toLocaleString()} not shown)`}
        </button>
      )}
    </>
  );
}

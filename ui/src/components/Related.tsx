import { useDeferredValue, useState } from "react";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { ipc, toCommandError, type Kind, type ResourceDetail } from "../ipc";
import type { NamedRef } from "../bindings/NamedRef";
import { displayLabel, type JsonObject } from "../resource";
import { testIds } from "../testIds";
import { count } from "../format";
import { useCacheRefresh } from "./cacheRefresh";
import { ErrorBox } from "./ErrorBox";
import { Modal } from "./Modal";
import { UserPicker } from "./UserPicker";
import { queryKeys } from "../queryKeys";

/** The search state of a group's member list, kept by the panel across re-reads. */
export type SearchState = [string, (s: string) => void];
/** The last membership change saved, kept by the panel across re-reads (its message, Undo). */
export type DoneState = [Staged | null, (d: Staged | null) => void];

/** Members fetched at a time after the first ones the detail carries. */
const MEMBERS_PAGE = 200;

/** A user's groups, or a group's members with add and remove. */
export function Related({
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
                  s.add.some((a) => a.id === gid)
                    ? s
                    : { ...s, add: [...s.add, { id: gid, label: label ?? gid, kind: "Group" }] },
                )
              }
            />
          </div>
        )}
        {pending > 0 && (
          <div className="banner staged" data-testid={testIds.membershipStaged}>
            <span>Not saved yet: {groupWords(staged, true)}.</span>{" "}
            <button
              type="button"
              className="primary"
              onClick={() => setReviewing(true)}
              data-testid={testIds.membershipReview}
            >
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
                      leaving(g)
                        ? { ...s, remove: s.remove.filter((r) => r.id !== g.id) }
                        : { ...s, remove: [...s.remove, g] },
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
            words={{
              add: "Joins",
              remove: "Leaves",
              warning: `Leaving a group takes away what it gives at ${provider}.`,
            }}
            busy={change.isPending}
            onSave={() => change.mutate(staged)}
            onCancel={() => setReviewing(false)}
          />
        )}
        <h3 className="small-head">Reports to</h3>
        <p data-testid={testIds.reportsTo}>
          {detail.manager ? person(detail.manager) : <span className="muted">Nobody (no manager set).</span>}
        </p>
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
                s.add.some((a) => a.id === uid)
                  ? s
                  : { ...s, add: [...s.add, { id: uid, label: label ?? uid, kind: "User" }] },
              )
            }
          />
        </div>
      )}
      {pending > 0 && (
        <div className="banner staged" data-testid={testIds.membershipStaged}>
          <span>Not saved yet: {membershipWords(staged, true)}.</span>{" "}
          <button
            type="button"
            className="primary"
            onClick={() => setReviewing(true)}
            data-testid={testIds.membershipReview}
          >
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
        <button
          type="button"
          className="primary"
          onClick={onSave}
          disabled={busy}
          data-testid={testIds.membershipSave}
          autoFocus
        >
          {busy ? "Saving…" : "Save to provider"}
        </button>
      </div>
    </Modal>
  );
}

/** Members to add and to remove. */
export interface Staged {
  add: NamedRef[];
  remove: NamedRef[];
}

/** "Joined 2 groups and left 1" (or, staged, "2 groups to join and 1 to leave"). */
function groupWords(c: Staged, staged = false): string {
  const parts = [];
  if (c.add.length > 0)
    parts.push(staged ? `${count(c.add.length, "group")} to join` : `joined ${count(c.add.length, "group")}`);
  if (c.remove.length > 0)
    parts.push(staged ? `${count(c.remove.length, "group")} to leave` : `left ${count(c.remove.length, "group")}`);
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
    queryKey: queryKeys.members(provider, id, needle, detail.snapshotAt, detail.membersTotal),
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

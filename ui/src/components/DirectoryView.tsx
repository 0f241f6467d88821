import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ipc, toCommandError, type ProviderSummary } from "../ipc";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";

const PAGE = 100;

interface Props {
  provider: ProviderSummary;
  kind: "User" | "Group";
  /** Changes after every sync, so the view reloads. */
  version: string;
}

/** A page of the cached directory with quick search (full text over the local snapshot). */
export function DirectoryView({ provider, kind, version }: Props) {
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const page = useQuery({
    queryKey: ["cached", provider.name, kind, search, offset, version],
    queryFn: () =>
      ipc.cachedPage({
        provider: provider.name,
        kind,
        search: search || undefined,
        sort: kind === "User" ? "user_name" : "display_name",
        descending: false,
        offset,
        limit: PAGE,
      }),
    placeholderData: keepPreviousData,
  });

  if (page.isError) return <ErrorBox error={toCommandError(page.error)} title="The cached directory could not be read" />;
  if (page.isPending) return <p className="muted pad">Loading the cached directory…</p>;
  const data = page.data;
  if (!data.snapshotAt) {
    return (
      <div className="empty center">
        <p className="empty-title">{kind === "User" ? "No cached users yet" : "No cached groups yet"}</p>
        <p className="muted">
          SCIM Desk keeps a copy of each directory on this computer so you can browse it offline.
          Use “Sync now” to make the first copy of {provider.name}.
        </p>
      </div>
    );
  }
  const noun = kind === "User" ? "users" : "groups";
  return (
    <div className="directory">
      <div className="directory-bar">
        <input
          type="search"
          className="search"
          placeholder={kind === "User" ? "Search names, user names, emails, departments" : "Search group names"}
          aria-label={`Search ${noun}`}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setOffset(0);
          }}
          data-testid={testIds.quickSearch}
        />
        <span className="muted" data-testid={testIds.resultCount}>
          {data.total.toLocaleString()} {noun}
          {search ? " found" : ""} · copy from {new Date(data.snapshotAt).toLocaleString()}
        </span>
      </div>
      {data.rows.length === 0 ? (
        <p className="muted pad">No {noun} match “{search}”.</p>
      ) : (
        <table className="grid" data-testid={testIds.directoryTable}>
          <thead>
            <tr>
              {kind === "User" ? (
                <>
                  <th scope="col">User name</th>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Department</th>
                  <th scope="col">Title</th>
                  <th scope="col">Status</th>
                </>
              ) : (
                <>
                  <th scope="col">Group</th>
                  <th scope="col">External id</th>
                </>
              )}
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r) => (
              <tr key={r.id} data-testid={testIds.directoryRow}>
                {kind === "User" ? (
                  <>
                    <td>{r.userName}</td>
                    <td>{r.displayName}</td>
                    <td>{r.email}</td>
                    <td>{r.department}</td>
                    <td>{r.title}</td>
                    <td>{r.active === false ? <span className="tag warn">inactive</span> : "active"}</td>
                  </>
                ) : (
                  <>
                    <td>{r.displayName}</td>
                    <td className="mono">{r.externalId}</td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.total > PAGE && (
        <div className="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous
          </button>
          <span className="muted">
            {(offset + 1).toLocaleString()}–{Math.min(offset + PAGE, data.total).toLocaleString()} of{" "}
            {data.total.toLocaleString()}
          </span>
          <button type="button" disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>
            Next
          </button>
        </div>
      )}
    </div>
  );
}

import { useQuery } from "@tanstack/react-query";
import { ipc, toCommandError } from "../ipc";
import { testIds } from "../testIds";
import { attributeLabel } from "../format";
import { ErrorBox } from "./ErrorBox";
import { queryKeys } from "../queryKeys";

function show(v: unknown): string {
  if (v === undefined || v === null) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** What changed at the provider between the two newest copies on this computer. */
export function ChangesView({ provider, version }: { provider: string; version: string }) {
  const q = useQuery({
    queryKey: queryKeys.changes(provider, version),
    queryFn: () => ipc.diffSnapshots(provider),
    retry: false,
  });
  if (q.isPending) return <p className="muted pad">Comparing the two newest copies…</p>;
  if (q.isError) {
    const e = toCommandError(q.error);
    if (e.code === "not_found") {
      return (
        <div className="empty center" data-testid={testIds.changes}>
          <p className="empty-title">Nothing to compare yet</p>
          <p className="muted">{e.message}</p>
        </div>
      );
    }
    return <ErrorBox error={e} title="The copies could not be compared" />;
  }
  const d = q.data;
  const count = (c: string) => d.changes.filter((x) => x.change === c).length;
  const label = (v: unknown) => {
    const o = (v ?? {}) as Record<string, unknown>;
    const name = o.displayName ?? o.userName ?? o.id;
    return typeof name === "string" ? name : "";
  };
  return (
    <div className="changes" data-testid={testIds.changes}>
      <h3 className="small-head">Made here, through SCIM Desk, since the previous sync</h3>
      {d.madeHere.length === 0 ? (
        <p className="muted">No changes were made here since then.</p>
      ) : (
        <table className="grid compact" data-testid={testIds.madeHere}>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Change</th>
              <th scope="col">What</th>
              <th scope="col">By, when</th>
            </tr>
          </thead>
          <tbody>
            {d.madeHere.slice(0, 500).map((a) => (
              <tr key={a.id}>
                <td>
                  {label(a.after ?? a.before) || a.resourceId}{" "}
                  <span className="muted small">{a.resourceKind === "Group" ? "group" : "user"}</span>
                </td>
                <td>
                  <span
                    className={a.operation.includes("failed") || a.operation.includes("delete") ? "tag warn" : "tag"}
                  >
                    {a.operation}
                  </span>
                </td>
                <td className="small">
                  {a.changes.map((c) => (
                    <div key={c.path} title={c.path}>
                      {attributeLabel(c.path)}: {show(c.before)} → {show(c.after)}
                    </div>
                  ))}
                </td>
                <td className="small">
                  {a.osUser} · {new Date(a.at).toLocaleString()}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 className="small-head">At {provider}, between the two newest copies</h3>
      <p>
        Copy {d.fromSnapshot} → {d.toSnapshot}: <strong>{count("added")}</strong> added,{" "}
        <strong>{count("changed")}</strong> changed, <strong>{count("removed")}</strong> removed.
      </p>
      {d.changes.length === 0 ? (
        <p className="muted">
          Nothing else changed at {provider} between the two syncs (changes made here update the copy at once, so they
          are listed above).
        </p>
      ) : (
        <table className="grid compact">
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Change</th>
              <th scope="col">Attributes</th>
            </tr>
          </thead>
          <tbody>
            {d.changes.slice(0, 500).map((c) => (
              <tr key={`${c.kind}-${c.id}`}>
                <td>
                  {c.label} <span className="muted small">{c.kind === "Group" ? "group" : "user"}</span>
                </td>
                <td>
                  <span className={c.change === "removed" ? "tag warn" : "tag"}>{c.change}</span>
                </td>
                <td className="small">
                  {c.attributes.map((a) => (
                    <div key={a.path} title={a.path}>
                      {attributeLabel(a.path)}: {show(a.before)} → {show(a.after)}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d.changes.length > 500 && <p className="muted">The first 500 of {d.changes.length} changes are listed.</p>}
    </div>
  );
}

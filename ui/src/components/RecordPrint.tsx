import type { ResourceDetail } from "../ipc";
import { attributeLabel, count } from "../format";
import { recordLines } from "../printing";
import { PrintLines, Printable } from "./Printable";

function shown(v: unknown): string {
  if (v === undefined || v === null || v === "") return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** A record on paper (or as a PDF): its attributes in words, its groups, manager and reports
 * or its members, and every change made through SCIM Desk with who, when and the provider's
 * answer (the evidence of an offboarding). */
export function RecordPrint({
  provider,
  kind,
  who,
  detail,
  onDone,
}: {
  provider: string;
  kind: "User" | "Group";
  who: string;
  detail: ResourceDetail;
  onDone: () => void;
}) {
  const active = (detail.resource as { active?: unknown }).active !== false;
  return (
    <Printable title={`${who} - ${provider}`} onDone={onDone}>
      <h1>{who}</h1>
      <p>
        {kind === "User" ? `Person at ${provider} · ${active ? "active" : "inactive"}` : `Group at ${provider}`} · as
        held in the copy of {new Date(detail.snapshotAt).toLocaleString()}
      </p>
      <h2>Record</h2>
      <PrintLines lines={recordLines(detail.resource)} />
      {kind === "User" ? (
        <>
          <h2>Groups ({detail.groups.length})</h2>
          <p>{detail.groups.length ? detail.groups.map((g) => g.label).join(", ") : "None."}</p>
          {detail.manager && <p>Manager: {detail.manager.label}</p>}
          {detail.reports.length > 0 && (
            <p>
              Direct reports ({detail.reports.length}): {detail.reports.map((r) => r.label).join(", ")}
            </p>
          )}
        </>
      ) : (
        <>
          <h2>Members ({detail.membersTotal.toLocaleString()})</h2>
          <p>
            {detail.members.map((m) => m.label).join(", ") || "None."}
            {detail.membersTotal > detail.members.length &&
              ` … and ${count(detail.membersTotal - detail.members.length, "more member")}`}
          </p>
        </>
      )}
      <h2>Changes made through SCIM Desk ({detail.audit.length})</h2>
      {detail.audit.length === 0 ? (
        <p>None.</p>
      ) : (
        <table className="print-audit">
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>By</th>
              <th>Provider's answer</th>
            </tr>
          </thead>
          <tbody>
            {detail.audit.map((a) => (
              <tr key={a.id}>
                <td>{new Date(a.at).toLocaleString()}</td>
                <td>
                  {a.operation}
                  {a.changes.map((c) => (
                    <div key={c.path} className="small">
                      {attributeLabel(c.path)}: {shown(c.before)} → {shown(c.after)}
                    </div>
                  ))}
                </td>
                <td>{a.osUser}</td>
                <td>{a.httpStatus !== undefined ? `HTTP ${a.httpStatus}` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Printable>
  );
}

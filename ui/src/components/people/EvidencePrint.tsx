import type { OffboardReport } from "../../ipc";
import { PrintLines, Printable } from "../Printable";

/** The offboarding evidence as a printable page (print, or save as PDF). */
export function EvidencePrint({ report, onDone }: { report: OffboardReport; onDone: () => void }) {
  const e = report.evidence;
  return (
    <Printable title={`Offboarding evidence - ${e.name}`} onDone={onDone}>
      <h1>Offboarding evidence: {e.name}</h1>
      <PrintLines
        lines={[
          ["Person", `${e.name} (${e.personId})`],
          ["Run by", e.operator],
          ["Started", e.startedAt],
          ["Finished", e.finishedAt],
          ["Removed from groups", e.removeFromGroups ? "yes" : "no"],
          ["Deleted", e.delete ? "yes" : "no"],
          ["Every account ended deactivated or deleted", e.complete ? "yes" : "NO"],
          ["SHA-256 of the JSON evidence", report.evidenceSha256],
        ]}
      />
      {e.accounts.map((a) => (
        <section key={a.provider}>
          <h2>
            {a.provider}: {a.userName ?? a.accountId}
          </h2>
          <PrintLines
            lines={[
              ["Address", a.baseUrl],
              ["Account id", a.accountId],
              [
                "Active before",
                a.before?.active === undefined || a.before?.active === null ? "—" : String(a.before.active),
              ],
              ["Groups before", a.before?.groups.join(", ") || "—"],
              [
                "After",
                a.after?.deleted
                  ? "deleted"
                  : a.after?.active === false
                    ? "inactive"
                    : a.after?.active
                      ? "ACTIVE"
                      : "—",
              ],
              ["Groups after", a.after?.groups.join(", ") || "—"],
              ...a.steps.map((s): [string, string] => [
                s.words,
                `${s.outcome}${s.request ? ` · ${s.request}` : ""}${s.httpStatus ? ` · HTTP ${s.httpStatus}` : ""} · ${s.at}${s.message ? ` · ${s.message}` : ""}`,
              ]),
            ]}
          />
        </section>
      ))}
    </Printable>
  );
}

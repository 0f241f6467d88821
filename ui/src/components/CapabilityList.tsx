import type { ConnectionReport } from "../ipc";
import { testIds } from "../testIds";

/** What the provider supports, one line per capability, and what was learned from its answers
 * (with a way to forget it, for a saved provider). */
export function CapabilityList({
  report,
  onForget,
  onWriteCheck,
}: {
  report: ConnectionReport;
  onForget?: () => void;
  /** Offers the write check (a saved provider, online). */
  onWriteCheck?: () => void;
}) {
  return (
    <div className="capabilities" data-testid={testIds.connectionReport}>
      <p className="ok">
        Connected in {report.elapsedMs} ms. Serves: {report.resourceTypes.join(", ") || "—"}.
      </p>
      <table>
        <tbody>
          {report.capabilities.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td className={c.supported ? "yes" : "no"}>{c.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.learned.length > 0 && (
        <div className="learned" data-testid={testIds.learnedFacts}>
          <p className="small">
            <strong>Learned from its answers</strong> (used instead of what it advertises):
          </p>
          <ul className="notes">
            {report.learned.map((l) => (
              <li key={JSON.stringify(l.fact)} title={l.evidence}>
                {l.words}
              </li>
            ))}
          </ul>
          {onForget && (
            <button type="button" className="link small" onClick={onForget} data-testid={testIds.forgetLearned}>
              Forget what was learned
            </button>
          )}
        </div>
      )}
      {onWriteCheck && (
        <p className="small">
          <button type="button" className="link" onClick={onWriteCheck} data-testid={testIds.writeCheck}>
            Check how it takes changes…
          </button>{" "}
          <span className="muted">(a scratch user, created and deleted)</span>
        </p>
      )}
      {report.notes.length > 0 && (
        <ul className="notes">
          {report.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

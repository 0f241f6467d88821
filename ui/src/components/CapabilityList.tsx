import type { ConnectionReport } from "../ipc";
import { testIds } from "../testIds";

/** What the provider supports, one line per capability. */
export function CapabilityList({ report }: { report: ConnectionReport }) {
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

import type { MigrationRunSummary } from "../ipc";
import { testIds } from "../testIds";

/** Earlier runs: how far each got, what failed and why, and Resume for the unfinished ones. */
export function MigrationRuns({
  runs,
  busy,
  onResume,
}: {
  runs: MigrationRunSummary[];
  busy: boolean;
  onResume: (id: number) => void;
}) {
  if (runs.length === 0) return null;
  return (
    <section className="card migration-runs" data-testid={testIds.migrationRuns}>
      <h2>Runs on this computer</h2>
      <table className="grid compact">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">From → to</th>
            <th scope="col">Started</th>
            <th scope="col">Done</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.slice(0, 20).map((r) => {
            const unfinished = !r.finishedAt;
            const state = !unfinished
              ? "Finished"
              : r.failed.length > 0
                ? `${r.failed.length} failed${r.waiting ? `, ${r.waiting} waiting` : ""}`
                : `Stopped, ${r.waiting} waiting`;
            return (
              <tr key={r.id} data-testid={testIds.migrationRunRow} data-finished={unfinished ? "no" : "yes"}>
                <td>{r.id}</td>
                <td>
                  {r.source} → {r.target}
                </td>
                <td className="small">{new Date(r.startedAt).toLocaleString()}</td>
                <td>
                  {r.done.toLocaleString()} / {r.total.toLocaleString()}
                </td>
                <td>
                  <span className={unfinished ? "tag warn" : "tag"}>{state}</span>
                  {r.failed.length > 0 && (
                    <details>
                      <summary className="small">Why</summary>
                      <ul className="small">
                        {r.failed.slice(0, 50).map((f) => (
                          <li key={f.seq}>
                            {f.op} {f.label}: {f.message}
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
                <td>
                  {unfinished && (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => onResume(r.id)}
                      data-testid={testIds.migrationResume}
                    >
                      {r.failed.length > 0 && r.waiting === 0 ? "Try failed again" : "Resume"}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

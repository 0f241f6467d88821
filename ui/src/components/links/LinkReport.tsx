import type { LinkRunReport } from "../../ipc";
import { testIds } from "../../testIds";
import { operationLabel, OPS } from "../../operations";
import { PlanOperations } from "../PlanOperations";
import { countOf, crossingWords, OUTCOME, outcomeTone } from "./words";

const LEAVING: Record<string, string> = {
  deactivate: "deactivated",
  kept: "left as they are",
  inactive: "already inactive",
  waiting: "not decided: a copy was not read completely",
};

/** What one run of a link did: its outcome in words, the guard rails it met, the counts, who
 * left the scope, what was protected, failures, the reads, and its plan. */
export function LinkReport({ report, onRunAnyway }: { report: LinkRunReport; onRunAnyway?: () => void }) {
  const counts = OPS.filter(([op]) => (report.counts[op] ?? 0) > 0);
  return (
    <section className="link-report" data-testid={testIds.linkReport} aria-label="The run">
      <p>
        <span className={`tag ${outcomeTone(report.outcome)}`} data-testid={testIds.linkOutcome}>
          {OUTCOME[report.outcome]}
        </span>{" "}
        <span data-testid={testIds.linkMessage}>{report.message}</span>
      </p>
      {report.crossings.length > 0 && (
        <div className={report.outcome === "stopped" ? "notice warn" : "notice"} role="status">
          <ul>
            {report.crossings.map((c) => (
              <li key={c.rail}>{crossingWords(c)}</li>
            ))}
          </ul>
          {onRunAnyway && report.outcome === "stopped" && (
            <button type="button" onClick={onRunAnyway} data-testid={testIds.linkRunAnyway}>
              Run anyway
            </button>
          )}
        </div>
      )}
      <p className="muted small">
        In scope: {countOf(report.scopeUsers, "user", "users")} and {countOf(report.scopeGroups, "group", "groups")}.
        {report.reads.length > 0 &&
          " Read: " +
            report.reads
              .map((r) => `${r.provider} (${r.kind}, ${r.fetched.toLocaleString()} records, ${r.seconds.toFixed(1)} s)`)
              .join(", ") +
            "."}
        {report.seconds > 0 && ` ${report.seconds.toFixed(1)} s in all.`}
      </p>
      {counts.length > 0 ? (
        <table className="grid compact counts" data-testid={testIds.linkCounts}>
          <tbody>
            {counts.map(([op]) => (
              <tr key={op}>
                <th scope="row">{operationLabel(op)}</th>
                <td>{(report.counts[op] ?? 0).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        report.outcome !== "failed" && (
          <p className="muted" data-testid={testIds.linkCounts}>
            No changes.
          </p>
        )
      )}
      {report.leaving.length > 0 && (
        <details open={report.leaving.length <= 10}>
          <summary>Left the scope ({report.leaving.length})</summary>
          <ul className="history">
            {report.leaving.map((l) => (
              <li key={l.targetId}>
                <span>{l.label}</span>
                <span className="muted small">{LEAVING[l.action] ?? l.action}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {report.protected.length > 0 && (
        <p className="muted small">
          Protected, left alone at {report.target}: {report.protected.join(", ")}
        </p>
      )}
      {report.failed.length > 0 && (
        <details open>
          <summary>Failed ({report.failed.length})</summary>
          <ul className="history">
            {report.failed.map((f) => (
              <li key={f.seq}>
                <span>
                  {operationLabel(f.op)}: {f.label}
                </span>
                <span className="muted small">{f.message}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {report.warnings.map((w) => (
        <p key={w} className="muted small">
          {w}
        </p>
      ))}
      {report.operations.length > 0 && (
        <details>
          <summary>The plan ({report.operations.length} operations)</summary>
          <PlanOperations operations={report.operations} />
        </details>
      )}
    </section>
  );
}

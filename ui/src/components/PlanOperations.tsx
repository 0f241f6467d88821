import type { MigrationPlan, PlanOperation } from "../ipc";
import { operationLabel } from "../operations";

/** A plan's operations in the order they run (the first 500). */
export function PlanOperations({ operations }: { operations: PlanOperation[] }) {
  return (
    <table className="grid compact">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Operation</th>
          <th scope="col">Record</th>
          <th scope="col">Changes</th>
        </tr>
      </thead>
      <tbody>
        {operations.slice(0, 500).map((o) => (
          <tr key={o.seq}>
            <td>{o.seq}</td>
            <td>{operationLabel(o.op)}</td>
            <td>{o.label}</td>
            <td className="small">{(o.changes ?? []).map((c) => c.path).join(", ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The records a person must decide about: nothing is planned for them. */
export function PlanReview({ plan }: { plan: MigrationPlan }) {
  return (
    <ul className="history">
      {plan.review.length === 0 && <li className="muted">Nothing needs a decision.</li>}
      {plan.review.map((m, i) => (
        <li key={i}>
          <span>{m.label}</span>
          <span className="muted small">{m.reason}</span>
        </li>
      ))}
    </ul>
  );
}

import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { ipc, toCommandError, type RunProgress } from "../../ipc";
import { testIds } from "../../testIds";
import { Modal } from "../Modal";
import { ErrorBox } from "../ErrorBox";
import { ProgressBar } from "../ProgressBar";
import { PlanOperations } from "../PlanOperations";

/** "Make these match": the chosen people's accounts brought to the source's values through the
 * migration engine, one plan per provider, reviewed, run and verified. */
export function MakeMatchDialog({
  source,
  people,
  onClose,
  onDone,
}: {
  source: string;
  people: string[];
  onClose: () => void;
  onDone: () => void;
}) {
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const plan = useQuery({
    queryKey: ["make-match", source, people],
    queryFn: () => ipc.planMakeMatch({ source, people }),
  });
  const run = useMutation({
    mutationFn: async () => {
      const unlisten = await ipc.onMatchProgress(setProgress);
      try {
        return await ipc.runMakeMatch(plan.data!);
      } finally {
        unlisten();
      }
    },
    onSettled: () => onDone(),
  });
  const ops = plan.data?.plans.reduce((n, p) => n + p.operations.length, 0) ?? 0;
  return (
    <Modal
      title={`Make ${people.length === 1 ? "this person" : "these people"} match ${source}`}
      testId={testIds.makeMatchDialog}
      wide
      onClose={onClose}
    >
      {plan.isPending && <p className="muted">Planning from the offline copies…</p>}
      {plan.isError && <ErrorBox error={toCommandError(plan.error)} title="This could not be planned" />}
      {plan.data && !run.data && (
        <>
          <p>
            {ops === 0
              ? "Nothing to send: the accounts already hold what the migration would write."
              : `${ops} ${ops === 1 ? "change" : "changes"} for ${plan.data.people} ${plan.data.people === 1 ? "person" : "people"}, planned by the migration engine (mapping, each provider's schemas and what it keeps). Each run is journaled; afterwards both sides are read again to verify.`}
          </p>
          {plan.data.leftOut.map((l) => (
            <p key={l} className="warn-line small">
              {l}
            </p>
          ))}
          {plan.data.plans.map((p) => (
            <section key={p.target} className="card pad edit-card" data-testid={testIds.makeMatchTarget}>
              <strong>
                {p.source} → {p.target}
              </strong>
              <PlanOperations operations={p.operations} />
              {p.warnings.map((w) => (
                <p key={w} className="muted small">
                  {w}
                </p>
              ))}
            </section>
          ))}
          {run.isPending && progress && (
            <ProgressBar label="Sending the changes" done={progress.finished} total={progress.total} />
          )}
          {run.isPending && !progress && <p className="muted">Sending, then reading both sides again…</p>}
          {run.isError && <ErrorBox error={toCommandError(run.error)} title="The changes could not all be sent" />}
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="primary"
              disabled={ops === 0 || run.isPending}
              onClick={() => run.mutate()}
              data-testid={testIds.makeMatchRun}
            >
              {run.isPending ? "Running…" : `Send ${ops} ${ops === 1 ? "change" : "changes"}`}
            </button>
          </div>
        </>
      )}
      {run.data && (
        <div data-testid={testIds.makeMatchResult}>
          <ul className="plain-list">
            {run.data.runs.map(([target, r]) => {
              const left = run.data.remaining.find(([t]) => t === target)?.[1] ?? 0;
              return (
                <li key={target}>
                  <strong>{target}</strong>: {r.done} done
                  {r.failed.length > 0 && `, ${r.failed.length} failed (${r.failed.map((f) => f.message).join("; ")})`}
                  {left === 0
                    ? " · verified: matches " + source
                    : ` · ${left} ${left === 1 ? "account still differs" : "accounts still differ"} after reading both sides again`}
                </li>
              );
            })}
          </ul>
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

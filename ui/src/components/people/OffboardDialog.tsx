import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type EvidenceFormat,
  type PersonRunProgress,
  type OffboardRequest,
  type PersonPage,
  type ProviderSummary,
  type StepEvidence,
} from "../../ipc";
import { queryKeys } from "../../queryKeys";
import { testIds } from "../../testIds";
import { Modal } from "../Modal";
import { ErrorBox } from "../ErrorBox";
import { EvidencePrint } from "./EvidencePrint";
import { ProviderChecks } from "./ProviderChecks";
import { ProviderProgress } from "./ProviderProgress";

/** Offboard a person everywhere: choose the providers and what happens, review every account it
 * touches, run with progress per provider, then keep the evidence. */
export function OffboardDialog({
  person,
  onClose,
  onDone,
}: {
  person: PersonPage;
  providers: ProviderSummary[];
  onClose: () => void;
  onDone: () => void;
}) {
  const [chosen, setChosen] = useState<string[]>(person.accounts.map((a) => a.provider));
  const [groups, setGroups] = useState(false);
  const [remove, setRemove] = useState(false);
  const [progress, setProgress] = useState<Record<string, PersonRunProgress>>({});
  const [printing, setPrinting] = useState(0);
  const request: OffboardRequest = {
    person: person.id,
    providers: chosen,
    removeFromGroups: groups,
    delete: remove,
  };
  const plan = useQuery({
    queryKey: queryKeys.offboardPlan(request),
    queryFn: () => ipc.planOffboard(request),
    enabled: chosen.length > 0,
  });
  const run = useMutation({
    mutationFn: async () => {
      const unlisten = await ipc.onOffboardProgress((p) => setProgress((m) => ({ ...m, [p.provider]: p })));
      try {
        return await ipc.offboard(request);
      } finally {
        unlisten();
      }
    },
    onSettled: () => onDone(),
  });
  const saveEvidence = useMutation({
    mutationFn: (format: EvidenceFormat) => ipc.saveEvidence(run.data!.evidence.runId, format),
  });
  const report = run.data;
  const accounts = plan.data?.accounts ?? [];

  return (
    <Modal title={`Offboard ${person.name}`} testId={testIds.offboardDialog} wide onClose={onClose}>
      {!report && !run.isPending && (
        <>
          <ProviderChecks
            legend="Accounts"
            items={person.accounts.map((a) => ({
              provider: a.provider,
              label: (
                <>
                  {a.provider}: {a.userName ?? a.id}{" "}
                  <span className="muted">
                    ({a.active === false ? "inactive already" : a.active === true ? "active" : "no active flag"})
                  </span>
                </>
              ),
            }))}
            chosen={chosen}
            onChange={setChosen}
            testId={testIds.offboardProvider}
          />
          <fieldset className="plain">
            <legend>What happens</legend>
            <label className="check">
              <input type="checkbox" checked disabled /> Deactivate each account (it is kept, and can be switched on
              again)
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={groups}
                onChange={(e) => setGroups(e.target.checked)}
                data-testid={testIds.offboardGroups}
              />{" "}
              Remove from every group first
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={remove}
                onChange={(e) => setRemove(e.target.checked)}
                data-testid={testIds.offboardDelete}
              />{" "}
              <span className={remove ? "warn-text" : undefined}>Then delete the accounts (cannot be undone)</span>
            </label>
          </fieldset>
          {plan.isError && <ErrorBox error={toCommandError(plan.error)} title="The offboarding could not be planned" />}
          {plan.data && (
            <div className="card offboard-review">
              <p data-testid={testIds.offboardSummary}>
                <strong>{plan.data.summary}</strong>
              </p>
              <ul className="plain-list">
                {accounts.map((a) => {
                  const out = a.actions.flatMap((x) => (x.kind === "removeFromGroup" ? [x.groupName] : []));
                  const then = [
                    a.actions.some((x) => x.kind === "deactivate") ? "deactivate" : null,
                    a.actions.some((x) => x.kind === "delete") ? "delete" : null,
                  ].filter((x): x is string => x !== null);
                  const steps = [
                    out.length > 0 ? `out of ${out.length} ${out.length === 1 ? "group" : "groups"}` : null,
                    ...then,
                  ]
                    .filter((x): x is string => x !== null)
                    .join(", then ");
                  return (
                    <li key={a.provider}>
                      <strong>{a.provider}</strong> {a.userName ?? a.accountId}: {steps || "nothing to do"}
                      {out.length > 0 && (
                        <details className="small">
                          <summary>the groups</summary>
                          {out.join(", ")}
                        </details>
                      )}
                      {a.cannotDeactivate && <p className="warn-line small">{a.cannotDeactivate}</p>}
                    </li>
                  );
                })}
              </ul>
              <p className="muted small">
                Requests to different providers go out side by side. Every step is journaled: if SCIM Desk stops midway,
                offboarding again goes on without sending anything twice. The evidence (who, what, when, each provider’s
                answer) is kept, and its SHA-256 goes to the audit log.
              </p>
            </div>
          )}
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              disabled={!plan.data || accounts.length === 0}
              onClick={() => run.mutate()}
              data-testid={testIds.offboardConfirm}
            >
              {remove ? "Offboard and delete" : "Offboard"} {accounts.length}{" "}
              {accounts.length === 1 ? "account" : "accounts"}
            </button>
          </div>
        </>
      )}
      {run.isPending && (
        <div data-testid={testIds.offboardProgress}>
          <ProviderProgress providers={accounts.map((a) => a.provider)} progress={progress} />
        </div>
      )}
      {run.isError && <ErrorBox error={toCommandError(run.error)} title="The offboarding could not run" />}
      {report && (
        <div data-testid={testIds.offboardResult}>
          <p className={report.evidence.complete ? "ok-line" : "warn-line"}>
            {report.evidence.complete
              ? `${person.name} is offboarded: every chosen account is deactivated${report.evidence.delete ? " or deleted" : ""}.`
              : "Not every account ended deactivated. What is done stays done; see below, then offboard again."}
            {report.resumed && " (An offboarding stopped earlier was finished.)"}
          </p>
          <table className="grid compact">
            <thead>
              <tr>
                <th>Provider</th>
                <th>Account</th>
                <th>Before</th>
                <th>After</th>
                <th>What was sent</th>
              </tr>
            </thead>
            <tbody>
              {report.evidence.accounts.map((a) => (
                <tr key={a.provider} data-testid={testIds.offboardAccount} data-ended={a.ended}>
                  <td>{a.provider}</td>
                  <td>{a.userName ?? a.accountId}</td>
                  <td className="nowrap">
                    {a.before?.active === false ? "inactive" : a.before?.active ? "active" : "—"}
                    {a.before && a.before.groups.length > 0 && `, ${a.before.groups.length} groups`}
                  </td>
                  <td className={a.ended ? "nowrap" : "nowrap differs"}>
                    {a.after?.deleted
                      ? "deleted"
                      : a.after?.active === false
                        ? "inactive"
                        : a.after?.active
                          ? "STILL ACTIVE"
                          : "—"}
                    {a.after && !a.after.deleted && a.after.groups.length > 0 && `, ${a.after.groups.length} groups`}
                    {!a.ended && a.message && <p className="small">{a.message}</p>}
                  </td>
                  <td className="small">
                    <SentSummary steps={a.steps} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            Evidence SHA-256 (in the audit log): <code data-testid={testIds.offboardSha}>{report.evidenceSha256}</code>
          </p>
          {saveEvidence.isSuccess && saveEvidence.data && (
            <p className="ok-line small" data-testid={testIds.evidenceSaved}>
              Saved to {saveEvidence.data}. It holds personal data in clear text: keep it where your evidence belongs.
            </p>
          )}
          {saveEvidence.isError && (
            <ErrorBox error={toCommandError(saveEvidence.error)} title="The evidence was not saved" />
          )}
          <div className="dialog-actions">
            <button
              type="button"
              onClick={() => saveEvidence.mutate("json")}
              disabled={saveEvidence.isPending}
              data-testid={testIds.evidenceSaveJson}
            >
              Save evidence (JSON)…
            </button>
            <button
              type="button"
              onClick={() => saveEvidence.mutate("csv")}
              disabled={saveEvidence.isPending}
              data-testid={testIds.evidenceSaveCsv}
            >
              Save as spreadsheet (CSV)…
            </button>
            <button type="button" onClick={() => setPrinting((n) => n + 1)} data-testid={testIds.evidencePrint}>
              Print…
            </button>
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
          {printing > 0 && <EvidencePrint key={printing} report={report} onDone={() => setPrinting(0)} />}
        </div>
      )}
    </Modal>
  );
}

/** What was sent to one provider, in a line (the requests one click away). */
function SentSummary({ steps }: { steps: StepEvidence[] }) {
  const writes = steps.filter((s) => s.action.kind !== "read" && s.action.kind !== "verify");
  const groups = writes.filter((s) => s.action.kind === "removeFromGroup" && s.outcome === "done").length;
  const parts: string[] = [];
  if (groups > 0) parts.push(`out of ${groups} ${groups === 1 ? "group" : "groups"}`);
  for (const s of writes) {
    if (s.action.kind === "removeFromGroup") continue;
    if (s.outcome === "alreadySo") parts.push(`${s.words}: already so`);
    else if (s.outcome === "done") parts.push(`${s.words}: ${s.request ?? ""} → ${s.httpStatus ?? "no answer"}`);
    else if (s.outcome === "failed") parts.push(`${s.words} FAILED${s.httpStatus ? ` (${s.httpStatus})` : ""}`);
  }
  const sent = steps.filter((s) => s.request && s.outcome !== "alreadySo" && s.outcome !== "notRun");
  return (
    <>
      {parts.join("; ") || "nothing needed"}
      {sent.length > 0 && (
        <details>
          <summary>
            {sent.length} {sent.length === 1 ? "request" : "requests"}
          </summary>
          <ul className="plain-list">
            {sent.map((s, i) => (
              <li key={i}>
                {s.request} → {s.httpStatus ?? "no answer"}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

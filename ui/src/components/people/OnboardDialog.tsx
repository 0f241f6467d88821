import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type GroupPick,
  type OnboardRequest,
  type PersonChange,
  type PersonRunProgress,
  type ProviderSummary,
  type UsualGroup,
} from "../../ipc";
import { testIds } from "../../testIds";
import { Modal } from "../Modal";
import { ErrorBox } from "../ErrorBox";
import { ProviderChecks } from "./ProviderChecks";
import { ProviderProgress } from "./ProviderProgress";

const FIELDS: { attribute: string; label: string; hint?: string }[] = [
  { attribute: "givenName", label: "Given name" },
  { attribute: "familyName", label: "Family name" },
  { attribute: "email", label: "Work e-mail" },
  { attribute: "userName", label: "userName", hint: "the e-mail when left empty" },
  { attribute: "title", label: "Title" },
  { attribute: "department", label: "Department" },
  { attribute: "employeeNumber", label: "Employee number" },
  { attribute: "manager", label: "Manager", hint: "their e-mail or userName" },
];

type Stage = "form" | "review" | "result";

/** A new hire in the chosen providers from one form: the department's usual groups offered,
 * each provider's record reviewed, then created side by side. */
export function OnboardDialog({
  providers,
  onClose,
  onOpenPerson,
  onDone,
}: {
  providers: ProviderSummary[];
  onClose: () => void;
  onOpenPerson: (key: string) => void;
  onDone: () => void;
}) {
  const synced = providers.filter((p) => p.lastSyncAt);
  const [values, setValues] = useState<Record<string, string>>({});
  const [chosen, setChosen] = useState<string[]>(synced.map((p) => p.name));
  const [usual, setUsual] = useState<UsualGroup[]>([]);
  const [groups, setGroups] = useState<GroupPick[]>([]);
  const [stage, setStage] = useState<Stage>("form");
  const [progress, setProgress] = useState<Record<string, PersonRunProgress>>({});
  const changes: PersonChange[] = FIELDS.filter((f) => (values[f.attribute] ?? "").trim() !== "").map((f) => ({
    attribute: f.attribute,
    value: (values[f.attribute] ?? "").trim(),
  }));
  const request: OnboardRequest = {
    providers: chosen,
    values: changes,
    groups: groups.filter((g) => chosen.includes(g.provider)),
  };
  const findUsual = useMutation({
    mutationFn: () => ipc.usualGroups(values.department ?? ""),
    onSuccess: (found) => {
      setUsual(found);
      setGroups(found.map((g) => ({ provider: g.provider, group: g.groupId })));
    },
  });
  const plan = useMutation({ mutationFn: () => ipc.planOnboard(request), onSuccess: () => setStage("review") });
  const run = useMutation({
    mutationFn: async () => {
      const unlisten = await ipc.onOnboardProgress((p) => setProgress((m) => ({ ...m, [p.provider]: p })));
      try {
        return await ipc.onboard(request);
      } finally {
        unlisten();
      }
    },
    onSuccess: () => {
      setStage("result");
      onDone();
    },
  });
  const picked = (g: UsualGroup) => groups.some((x) => x.provider === g.provider && x.group === g.groupId);
  const creating = plan.data?.accounts.filter((a) => !a.blocked) ?? [];

  return (
    <Modal title="Onboard a new hire" testId={testIds.onboardDialog} wide onClose={onClose}>
      {stage === "form" && (
        <>
          <div className="form-grid">
            {FIELDS.map((f) => (
              <label key={f.attribute}>
                {f.label}
                {f.hint && <span className="hint">{f.hint}</span>}
                <input
                  value={values[f.attribute] ?? ""}
                  onChange={(e) => setValues((v) => ({ ...v, [f.attribute]: e.target.value }))}
                  data-testid={testIds.onboardField}
                  data-attribute={f.attribute}
                />
              </label>
            ))}
          </div>
          {synced.length === 0 && (
            <p className="muted">Sync a provider first: accounts are checked against its copy.</p>
          )}
          <ProviderChecks
            legend="Create the account in"
            items={synced.map((p) => ({ provider: p.name, label: p.name }))}
            chosen={chosen}
            onChange={setChosen}
            testId={testIds.onboardProvider}
          />
          <fieldset className="plain">
            <legend>Groups</legend>
            <button
              type="button"
              disabled={!(values.department ?? "").trim() || findUsual.isPending}
              onClick={() => findUsual.mutate()}
              data-testid={testIds.onboardUsual}
            >
              The usual groups of {(values.department ?? "").trim() || "the department"}
            </button>
            {findUsual.isSuccess && usual.length === 0 && (
              <p className="muted small">Nobody in that department yet, or no group most of them share.</p>
            )}
            {usual.map((g) => (
              <label key={`${g.provider}-${g.groupId}`} className="check">
                <input
                  type="checkbox"
                  checked={picked(g)}
                  onChange={() =>
                    setGroups((gs) =>
                      picked(g)
                        ? gs.filter((x) => !(x.provider === g.provider && x.group === g.groupId))
                        : [...gs, { provider: g.provider, group: g.groupId }],
                    )
                  }
                  data-testid={testIds.onboardGroup}
                />
                {g.provider}: {g.name}{" "}
                <span className="muted">
                  ({g.members} of {g.of} in the department)
                </span>
              </label>
            ))}
          </fieldset>
          {plan.isError && <ErrorBox error={toCommandError(plan.error)} title="The new hire could not be planned" />}
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="primary"
              disabled={chosen.length === 0 || changes.length === 0 || plan.isPending}
              onClick={() => plan.mutate()}
              data-testid={testIds.onboardReview}
            >
              Review
            </button>
          </div>
        </>
      )}
      {stage === "review" && plan.data && (
        <>
          <p>
            <strong>{plan.data.summary}</strong>
          </p>
          {plan.data.accounts.map((a) => (
            <section key={a.provider} className="card pad edit-card" data-testid={testIds.onboardAccount}>
              <strong>{a.provider}</strong>
              {a.blocked ? (
                <p className="warn-line small">{a.blocked}</p>
              ) : (
                <>
                  {a.groups.length > 0 && (
                    <p className="small">then joins: {a.groups.map(([, name]) => name).join(", ")}</p>
                  )}
                  <details className="small">
                    <summary>POST /Users: the record</summary>
                    <pre>{JSON.stringify(a.record, null, 2)}</pre>
                  </details>
                </>
              )}
              {a.notes.map((n) => (
                <p key={n} className="muted small">
                  {n}
                </p>
              ))}
            </section>
          ))}
          {run.isPending && <ProviderProgress providers={creating.map((a) => a.provider)} progress={progress} />}
          {run.isError && <ErrorBox error={toCommandError(run.error)} title="The new hire was not created" />}
          <div className="dialog-actions">
            <button type="button" onClick={() => setStage("form")}>
              Back
            </button>
            <button
              type="button"
              className="primary"
              disabled={creating.length === 0 || run.isPending}
              onClick={() => run.mutate()}
              data-testid={testIds.onboardCreate}
            >
              {run.isPending
                ? "Creating…"
                : `Create in ${creating.length} ${creating.length === 1 ? "provider" : "providers"}`}
            </button>
          </div>
        </>
      )}
      {stage === "result" && run.data && (
        <div data-testid={testIds.onboardResult}>
          <p className={run.data.complete ? "ok-line" : "warn-line"}>
            {run.data.complete
              ? `${run.data.name} has an account in every chosen provider.`
              : "Not every provider has the account: see below, fix it, then onboard again (nothing is created twice)."}
          </p>
          <ul className="plain-list">
            {run.data.accounts.map((a) => (
              <li
                key={a.provider}
                data-testid={testIds.onboardResultAccount}
                data-created={a.created || a.alreadyThere}
              >
                <strong>{a.provider}</strong>:{" "}
                {a.created ? "created" : a.alreadyThere ? "had the account already" : "NOT created"}
                {a.groups.length > 0 && `, in ${a.groups.join(", ")}`}
                {a.message && <span className="muted"> — {a.message}</span>}
              </li>
            ))}
          </ul>
          <div className="dialog-actions">
            <button
              type="button"
              onClick={() => onOpenPerson(run.data.userName)}
              data-testid={testIds.onboardOpenPerson}
            >
              Open {run.data.name}
            </button>
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

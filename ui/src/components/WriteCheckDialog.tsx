import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError } from "../ipc";
import { attributeLabel } from "../format";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";
import { Modal } from "./Modal";
import { ProgressBar } from "./ProgressBar";

/** The write check of a provider: asks first, then creates a scratch user (inactive), changes
 * it by PATCH and PUT, reads it back and deletes it, and says what the provider refused or did
 * not keep (learned for the real edits). */
export function WriteCheckDialog({ provider, onClose }: { provider: string; onClose: () => void }) {
  const qc = useQueryClient();
  const check = useMutation({
    mutationFn: () => ipc.writeCheck(provider),
    onSettled: () => qc.invalidateQueries(),
  });
  return (
    <Modal
      title={`Check how ${provider} takes changes`}
      testId={testIds.writeCheckDialog}
      onClose={check.isPending ? () => undefined : onClose}
    >
      {check.isIdle && (
        <p>
          SCIM Desk creates a scratch user at {provider} (inactive, so it cannot sign in), changes it the two ways SCIM
          allows, reads it back and deletes it. What {provider} refuses or does not keep is then known before your first
          real edit.
        </p>
      )}
      {check.isPending && <ProgressBar label="Checking writes" done={0} total={0} />}
      {check.isError && <ErrorBox error={toCommandError(check.error)} title="The write check could not run" />}
      {check.data && (
        <div data-testid={testIds.writeCheckResult}>
          <ul className="small">
            {check.data.steps.map((s) => (
              <li key={s.step} data-ok={s.ok}>
                <span className={s.ok ? "tag" : "tag warn"}>{s.ok ? "ok" : "failed"}</span> {s.step}: {s.detail}
              </li>
            ))}
          </ul>
          {check.data.learned.length > 0 && (
            <>
              <h3 className="small-head">Learned</h3>
              <ul className="small">
                {check.data.learned.map((l) => (
                  <li key={JSON.stringify(l.fact)}>{l.words}</li>
                ))}
              </ul>
            </>
          )}
          {check.data.notKept.length > 0 && (
            <>
              <h3 className="small-head">Not kept by {provider}</h3>
              <p className="small">{check.data.notKept.map((n) => attributeLabel(n.path)).join(", ")}</p>
            </>
          )}
          {!check.data.cleanedUp && (
            <p className="warn-text small">
              The scratch user could not be deleted; it is inactive. Delete it at the provider.
            </p>
          )}
        </div>
      )}
      <div className="dialog-actions">
        {check.isIdle ? (
          <>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => check.mutate()}
              data-testid={testIds.writeCheckRun}
            >
              Create, change and delete a scratch user
            </button>
          </>
        ) : (
          <button
            type="button"
            className="primary"
            disabled={check.isPending}
            onClick={onClose}
            data-testid={testIds.writeCheckClose}
          >
            Close
          </button>
        )}
      </div>
    </Modal>
  );
}

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type CommandError } from "../ipc";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";
import { Modal } from "./Modal";

/** Why SCIM Desk could not start, and, when the encrypted offline copy cannot be opened for want
 * of its key, a way to start fresh after the person agrees. */
export function StartupError({ error }: { error: CommandError }) {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const fresh = useMutation({
    mutationFn: ipc.startFresh,
    onSuccess: () => queryClient.invalidateQueries(),
  });
  return (
    <div className="startup-error" data-testid={testIds.startupError}>
      <h1>SCIM Desk could not start</h1>
      <ErrorBox error={error} />
      {error.code === "offline_copy_locked" && (
        <p>
          <button type="button" onClick={() => setAsking(true)} data-testid={testIds.startFresh}>
            Start fresh…
          </button>
        </p>
      )}
      {asking && (
        <Modal
          title="Start with an empty offline copy?"
          testId={testIds.startFreshConfirm}
          alert
          onClose={() => setAsking(false)}
        >
          <p>
            The offline copy that cannot be opened is set aside in the data folder (it is not deleted: if its key turns
            up, it can be put back). SCIM Desk starts with an empty one: add your providers again, and their directories
            are read again from them.
          </p>
          {fresh.isError && <ErrorBox error={toCommandError(fresh.error)} title="Not started fresh" />}
          <div className="dialog-actions">
            <button type="button" onClick={() => setAsking(false)} autoFocus>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              disabled={fresh.isPending}
              onClick={() => fresh.mutate()}
              data-testid={testIds.startFreshYes}
            >
              {fresh.isPending ? "Starting fresh…" : "Start fresh"}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type ProviderSummary, type Retention } from "../ipc";
import { testIds } from "../testIds";
import { queryKeys } from "../queryKeys";
import { ErrorBox } from "./ErrorBox";
import { Modal } from "./Modal";

/** The offline copies as personal data: how long they are kept, and wiping them. */
export function OfflineDataDialog({ providers, onClose }: { providers: ProviderSummary[]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const current = useQuery({ queryKey: queryKeys.retention(), queryFn: ipc.retention });
  // What the person changed, over what is saved.
  const [edited, setDraft] = useState<Retention | null>(null);
  const draft = edited ?? current.data ?? null;
  const save = useMutation({
    mutationFn: (r: Retention) => ipc.setRetention(r),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const [scope, setScope] = useState<string>("");
  const provider = scope === "" ? null : scope;
  const preview = useMutation({ mutationFn: () => ipc.wipePreview(provider) });
  const wipe = useMutation({
    mutationFn: () => ipc.wipeOffline(provider),
    onSuccess: () => {
      preview.reset();
      return queryClient.invalidateQueries();
    },
  });
  const days = draft?.keepDays ?? null;
  return (
    <Modal title="Offline data on this computer" testId={testIds.offlineDataDialog} wide onClose={onClose}>
      <p className="muted">
        SCIM Desk keeps a copy of each directory here, encrypted with a key kept in the system keyring, so you can work
        offline. CSV exports and saved migration plans are ordinary files: they hold personal data in clear text, so
        keep them safe and delete them when you are done.
      </p>
      <h3>How long copies are kept</h3>
      {current.isError && <ErrorBox error={toCommandError(current.error)} title="The settings could not be read" />}
      {draft && (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate(draft);
          }}
        >
          <label className="check">
            <input
              type="checkbox"
              checked={days === null}
              onChange={(e) => setDraft({ ...draft, keepDays: e.target.checked ? null : 30 })}
              data-testid={testIds.retentionNoLimit}
            />{" "}
            No age limit
          </label>
          {days !== null && (
            <label className="check">
              Remove copies older than{" "}
              <input
                type="number"
                min={1}
                value={days}
                onChange={(e) => setDraft({ ...draft, keepDays: Math.max(1, Number(e.target.value) || 1) })}
                style={{ width: "6em" }}
                data-testid={testIds.retentionDays}
              />{" "}
              days
            </label>
          )}
          <label className="check">
            <input
              type="checkbox"
              checked={draft.keepNewest}
              onChange={(e) => setDraft({ ...draft, keepNewest: e.target.checked })}
              data-testid={testIds.retentionKeepNewest}
            />{" "}
            Always keep the newest copy of each provider (so offline review keeps working)
          </label>
          <label className="check">
            At most{" "}
            <input
              type="number"
              min={1}
              value={draft.keepCopies}
              onChange={(e) => setDraft({ ...draft, keepCopies: Math.max(1, Number(e.target.value) || 1) })}
              style={{ width: "5em" }}
              data-testid={testIds.retentionCopies}
            />{" "}
            copies per provider
          </label>
          <div className="dialog-actions">
            <button type="submit" className="primary" disabled={save.isPending} data-testid={testIds.retentionSave}>
              {save.isPending ? "Saving…" : "Save and apply"}
            </button>
          </div>
          {save.isSuccess && (
            <p className="ok-line small" role="status" data-testid={testIds.retentionResult}>
              Saved. {save.data === 1 ? "1 older copy was" : `${save.data} older copies were`} removed now; older copies
              are removed at every start and after each sync.
            </p>
          )}
          {save.isError && <ErrorBox error={toCommandError(save.error)} title="Not saved" />}
        </form>
      )}
      <h3>Wipe offline data</h3>
      <p className="muted small">
        Removes copies, audit entries and journals (migrations, offboardings with their evidence, onboardings) from this
        computer for good. The providers stay configured; their directories are read again at the next sync.
      </p>
      <div className="row">
        <select
          value={scope}
          onChange={(e) => {
            setScope(e.target.value);
            preview.reset();
            wipe.reset();
          }}
          aria-label="Whose data"
          data-testid={testIds.wipeScope}
        >
          <option value="">Every provider</option>
          {providers.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>{" "}
        <button type="button" className="danger" onClick={() => preview.mutate()} data-testid={testIds.wipeStart}>
          Wipe…
        </button>
      </div>
      {preview.isError && <ErrorBox error={toCommandError(preview.error)} title="Could not count what goes" />}
      {preview.data && (
        <div className="banner" role="alert">
          <p data-testid={testIds.wipeWhat}>This removes {preview.data.words}, for good.</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => preview.reset()}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              disabled={wipe.isPending}
              onClick={() => wipe.mutate()}
              data-testid={testIds.wipeConfirm}
            >
              {wipe.isPending ? "Wiping…" : "Wipe for good"}
            </button>
          </div>
        </div>
      )}
      {wipe.isSuccess && (
        <p className="ok-line small" role="status" data-testid={testIds.wipeResult}>
          Removed {wipe.data.words}.
        </p>
      )}
      {wipe.isError && <ErrorBox error={toCommandError(wipe.error)} title="Not wiped" />}
    </Modal>
  );
}

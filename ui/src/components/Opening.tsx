import { useEffect, useState } from "react";
import { ipc, type EncryptProgress } from "../ipc";
import { testIds } from "../testIds";
import { ProgressBar } from "./ProgressBar";

/** While SCIM Desk opens its offline copy; at the first start after an upgrade, the progress of
 * encrypting the copy an earlier version left in plain text. */
export function Opening() {
  const [progress, setProgress] = useState<EncryptProgress | null>(null);
  useEffect(() => {
    // Without the event (it could not be listened to), the screen says it is opening.
    const unlisten = ipc.onEncryptProgress(setProgress).catch(() => null);
    return () => {
      void unlisten.then((u) => u?.());
    };
  }, []);
  const mb = (bytes: number) => Math.round(bytes / 1_000_000);
  return (
    <div className="startup-error" data-testid={testIds.opening} aria-busy>
      {progress ? (
        <>
          <h1>Encrypting the offline copy</h1>
          <p className="muted">
            This version keeps the directory copies on this computer encrypted. The copy an earlier version left is
            encrypted once, now; nothing is lost if SCIM Desk is closed meanwhile.
          </p>
          <ProgressBar
            label="Encrypted (MB)"
            done={mb(progress.writtenBytes)}
            total={Math.max(1, mb(progress.totalBytes))}
          />
        </>
      ) : (
        <p className="muted">Opening the offline copy…</p>
      )}
    </div>
  );
}

import type { PersonRunProgress } from "../../ipc";
import { ProgressBar } from "../ProgressBar";

/** A progress bar per provider of a run across a person's accounts. */
export function ProviderProgress({
  providers,
  progress,
}: {
  providers: string[];
  progress: Record<string, PersonRunProgress>;
}) {
  return (
    <>
      {providers.map((name) => {
        const p = progress[name];
        return (
          <ProgressBar
            key={name}
            label={`${name}: ${p ? p.doing : "waiting"}`}
            done={p?.done ?? 0}
            total={p?.total ?? 0}
          />
        );
      })}
    </>
  );
}

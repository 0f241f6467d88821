import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError } from "../ipc";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";
import { queryKeys } from "../queryKeys";

/** Says that SCIM Desk stopped on a bug since it was last told, and where the report is. */
export function CrashNotice({ reports }: { reports: string[] }) {
  const queryClient = useQueryClient();
  const dismiss = useMutation({
    mutationFn: ipc.dismissCrashReports,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.appInfo() }),
  });
  const newest = reports[reports.length - 1];
  if (!newest) return null;
  return (
    <section
      className="crash-notice"
      role="status"
      aria-label="SCIM Desk ran into a bug"
      data-testid={testIds.crashNotice}
    >
      <h2>SCIM Desk ran into a bug{reports.length === 1 ? "" : ` (${reports.length} times)`}</h2>
      <p>
        Nothing you saved is lost: an unfinished sync kept the previous copy, and an unfinished migration continues from
        “Runs on this computer”. If it happens again, send the report to whoever looks after SCIM Desk for you; it holds
        no passwords or tokens.
      </p>
      <p className="mono small" data-testid={testIds.crashReportPath}>
        {newest}
      </p>
      {dismiss.isError && <ErrorBox error={toCommandError(dismiss.error)} title="Not dismissed" />}
      <button
        type="button"
        onClick={() => dismiss.mutate()}
        disabled={dismiss.isPending}
        data-testid={testIds.dismissCrash}
      >
        Dismiss
      </button>
    </section>
  );
}

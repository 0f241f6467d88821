import type { ReactNode } from "react";
import { ErrorBoundary, type FallbackProps } from "react-error-boundary";
import { CommandError } from "../ipc";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";

/** What a part of the window shows when it could not be drawn. */
function Fallback({ error, resetErrorBoundary }: FallbackProps) {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (
    <div className="failsafe pad" data-testid={testIds.partFailed}>
      <ErrorBox
        title="This part of the window could not be shown"
        error={
          new CommandError({
            code: "internal",
            message:
              "SCIM Desk ran into a bug while drawing it. Nothing saved is lost, and the rest of the window still works. Try again; if it happens again, the technical detail below helps whoever looks after SCIM Desk for you.",
            detail,
          })
        }
      />
      <button type="button" onClick={resetErrorBoundary} data-testid={testIds.partRetry}>
        Try again
      </button>
    </div>
  );
}

/**
 * Keeps a bug in one part of the window to that part: it says so in words, with the detail one
 * click away, instead of the whole window going blank. `resetKeys` start it afresh when they change.
 */
export function Failsafe({ children, resetKeys }: { children: ReactNode; resetKeys?: unknown[] }) {
  return (
    <ErrorBoundary FallbackComponent={Fallback} resetKeys={resetKeys}>
      {children}
    </ErrorBoundary>
  );
}

import type { CommandError } from "../ipc";
import { testIds } from "../testIds";

/** An error in plain words, with the code and technical detail one click away. */
export function ErrorBox({ error, title }: { error: CommandError; title?: string }) {
  return (
    <div className="error-box" role="alert" data-testid={testIds.errorBox} data-code={error.code}>
      {title && <strong className="error-title">{title}</strong>}
      <p data-testid={testIds.errorMessage}>{error.message}</p>
      <details>
        <summary>Technical detail</summary>
        <dl>
          <dt>Code</dt>
          <dd data-testid={testIds.errorCode}>{error.code}</dd>
          {error.detail && (
            <>
              <dt>Detail</dt>
              <dd data-testid={testIds.errorDetail} className="mono">
                {error.detail}
              </dd>
            </>
          )}
        </dl>
      </details>
    </div>
  );
}

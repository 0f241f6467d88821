/** A labelled progress bar; indeterminate while the total is unknown. */
export function ProgressBar({ label, done, total }: { label: string; done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  return (
    <div className="progress">
      <div className="progress-label">
        <span>{label}</span>
        {total > 1 && (
          <span className="muted">
            {done.toLocaleString()} / {total.toLocaleString()}
          </span>
        )}
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div
          className={pct === undefined ? "progress-fill indeterminate" : "progress-fill"}
          style={{ width: pct === undefined ? "30%" : `${pct}%` }}
        />
      </div>
    </div>
  );
}

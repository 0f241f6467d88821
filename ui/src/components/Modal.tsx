import { useId, type ReactNode } from "react";

/** A modal dialog over the window: titled, labelled for screen readers, closed by Escape. */
export function Modal({
  title,
  testId,
  wide,
  alert,
  onClose,
  children,
}: {
  title: ReactNode;
  testId: string;
  wide?: boolean;
  /** A confirmation that needs an answer (role alertdialog). */
  alert?: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  const titleId = useId();
  return (
    <div className="overlay" role="presentation">
      <div
        className={wide ? "dialog wide" : "dialog"}
        role={alert ? "alertdialog" : "dialog"}
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  );
}

import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";

/** The open modals, newest last: only the newest is alive, the page and the others are inert. */
const stack: HTMLElement[] = [];
/** What this module made inert (and so may make alive again). */
const ours = new Set<Element>();

function refresh() {
  const top = stack[stack.length - 1];
  for (const el of Array.from(document.body.children)) {
    const hold = top !== undefined && el !== top;
    if (hold && !el.hasAttribute("inert")) {
      el.setAttribute("inert", "");
      ours.add(el);
    } else if (!hold && ours.has(el)) {
      el.removeAttribute("inert");
      ours.delete(el);
    }
  }
  for (const el of Array.from(ours)) if (!el.isConnected) ours.delete(el);
}

/** A modal dialog over the window: drawn above everything (in a layer of its own at the end
 * of the page), the page behind inert until it closes, focus kept inside it and given back
 * where it was, titled and labelled for screen readers, closed by Escape. */
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
  const [host] = useState(() => {
    const el = document.createElement("div");
    el.setAttribute("data-modal-host", "");
    return el;
  });
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    document.body.appendChild(host);
    stack.push(host);
    refresh();
    // Focus the first field (or button) unless something inside asked for it already.
    const inside = box.current;
    if (inside && !inside.contains(document.activeElement)) {
      const first = inside.querySelector<HTMLElement>(
        "[autofocus], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])",
      );
      (first ?? inside).focus();
    }
    return () => {
      stack.splice(stack.indexOf(host), 1);
      host.remove();
      refresh();
      before?.focus();
    };
  }, [host]);
  // Tab and Shift+Tab go round the dialog's own controls.
  const trap = (e: React.KeyboardEvent) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== "Tab" || !box.current) return;
    const items = Array.from(
      box.current.querySelectorAll<HTMLElement>(
        "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])",
      ),
    );
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return createPortal(
    <div className="overlay" role="presentation">
      <div
        ref={box}
        tabIndex={-1}
        className={wide ? "dialog wide" : "dialog"}
        role={alert ? "alertdialog" : "dialog"}
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onKeyDown={trap}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>,
    host,
  );
}

import { useEffect, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { ipc, toCommandError } from "../ipc";

/** A page to print (or save as PDF from the print dialog): drawn only for the printer, in a
 * layer of its own, while the window stays as it is on screen. The system's print dialog opens
 * as it mounts (mount it again, with a new key, to print again); `onDone` runs when printing
 * ends. */
export function Printable({ title, onDone, children }: { title: string; onDone: () => void; children: ReactNode }) {
  const [error, setError] = useState<string | null>(null);
  const [host] = useState(() => {
    const el = document.createElement("div");
    el.className = "print-host";
    return el;
  });
  useEffect(() => {
    document.body.appendChild(host);
    document.body.classList.add("printing");
    const before = document.title;
    // The title is the PDF's suggested file name.
    document.title = title;
    const done = () => onDone();
    window.addEventListener("afterprint", done);
    // After the page is laid out with the printable content. The dialog opens after the call
    // returns, and prints the page as it is then: the page stays (hidden on screen) until
    // printing ends or another print replaces it.
    const timer = window.setTimeout(() => {
      ipc.printPage().catch((e: unknown) => setError(toCommandError(e).message));
    }, 50);
    return () => {
      window.clearTimeout(timer);
      window.removeEventListener("afterprint", done);
      document.title = before;
      document.body.classList.remove("printing");
      host.remove();
    };
  }, [host, title, onDone]);
  if (error)
    return (
      <p className="error-line" role="alert">
        Not printed: {error}{" "}
        <button type="button" className="link" onClick={onDone}>
          Close
        </button>
      </p>
    );
  return createPortal(
    <article className="print-page" data-testid="print-page">
      {children}
      <footer className="print-foot">
        Printed from SCIM Desk on {new Date().toLocaleString()}. Values are as held in the copy named above.
      </footer>
    </article>,
    host,
  );
}

/** Label-value lines of a printed page. */
export function PrintLines({ lines }: { lines: [string, string][] }) {
  return (
    <table className="print-lines">
      <tbody>
        {lines.map(([k, v], i) => (
          <tr key={`${k}-${i}`}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

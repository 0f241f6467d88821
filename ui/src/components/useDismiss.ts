import { useEffect, type RefObject } from "react";

/** Closes a `<details>` pop-up (a menu) on Escape and on a click outside it, the way menus
 * close everywhere else. The Escape that closes it goes no further (it does not also close
 * the record panel behind it). */
export function useDismiss(ref: RefObject<HTMLDetailsElement | null>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const menu = ref.current;
      if (e.key === "Escape" && menu?.open) {
        menu.open = false;
        menu.querySelector("summary")?.focus();
        e.stopPropagation();
        e.preventDefault();
      }
    };
    const onPointer = (e: MouseEvent) => {
      const menu = ref.current;
      if (menu?.open && e.target instanceof Node && !menu.contains(e.target)) menu.open = false;
    };
    // Capture: before the window's own Escape handling (which closes the record panel).
    window.addEventListener("keydown", onKey, true);
    document.addEventListener("mousedown", onPointer, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      document.removeEventListener("mousedown", onPointer, true);
    };
  }, [ref]);
}

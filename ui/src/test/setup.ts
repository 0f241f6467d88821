import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";

afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom lays nothing out: give the virtualized grid's scroll area a window-sized box so it
// renders rows as it does in the app.
for (const [prop, size] of [
  ["clientHeight", 600],
  ["clientWidth", 800],
] as const) {
  const real = Object.getOwnPropertyDescriptor(Element.prototype, prop);
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      if (this.getAttribute("data-testid") === "grid-scroll") return size;
      return real?.get ? (real.get.call(this) as number) : 0;
    },
  });
}

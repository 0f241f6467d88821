import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { UserPicker } from "./components/UserPicker";

describe("UserPicker", () => {
  it("is usable with the keyboard: arrows move through the matches, Enter picks, Escape closes the list only", async () => {
    mockIPC((cmd) =>
      cmd === "cached_page"
        ? {
            total: 3,
            offset: 0,
            rows: [
              { id: "a", userName: "ann", displayName: "Ann Lee" },
              { id: "b", userName: "anna", displayName: "Anna Berg" },
              { id: "c", userName: "anouk", displayName: "Anouk Smit" },
            ],
          }
        : null,
    );
    const picked: (string | undefined)[] = [];
    let outerEscape = 0;
    render(
      <QueryClientProvider client={new QueryClient()}>
        <div onKeyDown={(e) => e.key === "Escape" && (outerEscape += 1)}>
          <UserPicker provider="HR" id="manager" onChange={(id) => picked.push(id)} />
        </div>
      </QueryClientProvider>,
    );
    const input = screen.getByTestId("attr-manager");
    fireEvent.focus(input);
    fireEvent.change(input, { target: { value: "an" } });
    await waitFor(() => expect(screen.getAllByTestId("picker-option")).toHaveLength(3));
    fireEvent.keyDown(input, { key: "ArrowDown" });
    fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(input.getAttribute("aria-activedescendant")).toMatch(/-2$/);
    fireEvent.keyDown(input, { key: "ArrowUp" });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(picked).toEqual(["b"]);
    expect(screen.queryAllByTestId("picker-option")).toHaveLength(0);
    // Escape with the list open closes the list, and does not reach the dialog around it.
    fireEvent.change(input, { target: { value: "ann" } });
    await waitFor(() => expect(screen.getAllByTestId("picker-option").length).toBeGreaterThan(0));
    fireEvent.keyDown(input, { key: "Escape" });
    expect(screen.queryAllByTestId("picker-option")).toHaveLength(0);
    expect(outerEscape).toBe(0);
  });
});

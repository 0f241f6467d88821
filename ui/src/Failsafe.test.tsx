import { describe, expect, it, vi } from "vitest";
import { useState } from "react";
import { fireEvent, render, screen } from "@testing-library/react";
import { Failsafe } from "./components/Failsafe";

function Bomb({ armed }: { armed: boolean }) {
  if (armed) throw new TypeError("cannot read properties of undefined (reading 'emails')");
  return <p data-testid="drawn">drawn</p>;
}

function Page() {
  const [armed, setArmed] = useState(true);
  return (
    <>
      <button type="button" data-testid="disarm" onClick={() => setArmed(false)}>
        fix
      </button>
      <p data-testid="elsewhere">the rest of the window</p>
      <Failsafe>
        <Bomb armed={armed} />
      </Failsafe>
    </>
  );
}

describe("Failsafe", () => {
  it("keeps a part that fails to draw to itself, says so in words, and tries again", () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    render(<Page />);
    const failed = screen.getByTestId("part-failed");
    expect(failed.textContent).toContain("This part of the window could not be shown");
    expect(failed.textContent).toContain("Nothing saved is lost");
    expect(screen.getByTestId("error-box").getAttribute("data-code")).toBe("internal");
    expect(screen.getByTestId("error-detail").textContent).toContain("TypeError: cannot read properties");
    expect(screen.getByTestId("elsewhere")).toBeTruthy();
    fireEvent.click(screen.getByTestId("disarm"));
    fireEvent.click(screen.getByTestId("part-retry"));
    expect(screen.getByTestId("drawn")).toBeTruthy();
    expect(screen.queryByTestId("part-failed")).toBeNull();
    quiet.mockRestore();
  });
});

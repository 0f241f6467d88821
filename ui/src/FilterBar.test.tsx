import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { FilterBar } from "./components/FilterBar";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe("the filter builder", () => {
  it("applies what it shows: Active is yes is active eq true", () => {
    const onChange = vi.fn();
    render(<FilterBar kind="User" value="" onChange={onChange} error={null} />);
    fireEvent.click(screen.getByTestId("filter-builder-toggle"));
    fireEvent.change(screen.getByTestId("builder-attr"), { target: { value: "active" } });
    const value = screen.getByTestId("builder-value") as HTMLSelectElement;
    expect(value.value).toBe("true");
    expect(value.selectedOptions[0]?.textContent).toBe("yes");
    expect(screen.getByTestId("builder-preview").textContent).toBe("active eq true");
    fireEvent.click(screen.getByTestId("builder-add"));
    expect(onChange).toHaveBeenLastCalledWith("active eq true");
    // "no" is active eq false.
    fireEvent.change(value, { target: { value: "false" } });
    expect(screen.getByTestId("builder-preview").textContent).toBe("active eq false");
  });

  it("forgets the value of the previous attribute", () => {
    render(<FilterBar kind="User" value="" onChange={() => {}} error={null} />);
    fireEvent.click(screen.getByTestId("filter-builder-toggle"));
    fireEvent.change(screen.getByTestId("builder-attr"), { target: { value: "active" } });
    fireEvent.change(screen.getByTestId("builder-value"), { target: { value: "false" } });
    fireEvent.change(screen.getByTestId("builder-attr"), { target: { value: `${ENTERPRISE}:department` } });
    expect((screen.getByTestId("builder-value") as HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("builder-preview").textContent).toBe(`${ENTERPRISE}:department eq ""`);
  });

  it("hints at group attributes on the Groups tab", () => {
    render(<FilterBar kind="Group" value="" onChange={() => {}} error={null} />);
    const input = screen.getByTestId("filter-input") as HTMLInputElement;
    expect(input.placeholder).toContain("displayName");
    expect(input.placeholder).not.toContain("title");
  });
});

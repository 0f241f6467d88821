import { describe, expect, it } from "vitest";
import { render, screen, fireEvent, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { App } from "./App";
import type { ProviderSummary, ResourceDetail } from "./ipc";

function renderApp() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <App />
    </QueryClientProvider>,
  );
}

/** A record's detail as the engine sends it, empty where a test leaves something out. */
function detailOf(fields: Partial<ResourceDetail> & { resource: unknown }): ResourceDetail {
  return {
    sections: [],
    groups: [],
    members: [],
    membersTotal: 0,
    reports: [],
    audit: [],
    versions: [],
    snapshotAt: "2026-11-28T10:00:00Z",
    ...fields,
  };
}

/** A provider as `list_providers` returns it, with `fields` changed. */
function provider(fields: Partial<ProviderSummary>): ProviderSummary {
  return {
    name: "HR",
    baseUrl: "https://x/scim/v2",
    authKind: "bearer",
    hasSecret: true,
    tlsSkipVerify: false,
    allowPlainHttp: false,
    isDemo: false,
    demoStopped: false,
    sourceOfTruth: false,
    createdAt: "2026-11-28T00:00:00Z",
    ...fields,
  };
}

const info = { version: "0.1.0", dataDir: "data-folder", startDemo: false, crashReports: [] };

describe("App", () => {
  it("shows the empty state with both ways to start", async () => {
    mockIPC((cmd) => (cmd === "app_info" ? info : cmd === "list_providers" ? [] : null));
    renderApp();
    const empty = await screen.findByTestId("providers-empty");
    expect(within(empty).getByText("No providers yet")).toBeTruthy();
    expect(within(empty).getByTestId("try-demo")).toBeTruthy();
    expect(screen.getByTestId("status-bar").textContent).toContain("Last sync: never");
  });

  it("says the demo stopped with the app, starts it again, and shows its failure in words", async () => {
    let started = 0;
    mockIPC((cmd) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers")
        return [
          provider({ name: "Demo HR directory", isDemo: true, demoStopped: true }),
          provider({ name: "Demo target (empty)", isDemo: true, demoStopped: true }),
        ];
      if (cmd === "start_demo") {
        started += 1;
        throw { code: "demo_unavailable", message: "The demo could not start: no port.", detail: null };
      }
      return null;
    });
    renderApp();
    const notice = await screen.findByTestId("demo-stopped");
    expect(notice.textContent).toContain("stopped when SCIM Desk last closed");
    expect(screen.getAllByText("demo · stopped")).toHaveLength(2);
    fireEvent.click(screen.getByTestId("demo-restart"));
    const error = await screen.findByTestId("demo-error");
    expect(started).toBe(1);
    expect(error.textContent).toContain("The demo providers did not start");
    expect(error.textContent).toContain("The demo could not start: no port.");
  });

  it("says when the app stopped on a bug, where the report is, and forgets it when dismissed", async () => {
    let reports = ["data-folder/crash-reports/crash-1.txt", "data-folder/crash-reports/crash-2.txt"];
    let dismissed = 0;
    mockIPC((cmd) => {
      if (cmd === "app_info") return { ...info, crashReports: reports };
      if (cmd === "list_providers") return [];
      if (cmd === "dismiss_crash_reports") {
        dismissed += 1;
        reports = [];
        return null;
      }
      return null;
    });
    renderApp();
    const notice = await screen.findByTestId("crash-notice");
    expect(notice.textContent).toContain("SCIM Desk ran into a bug (2 times)");
    expect(notice.textContent).toContain("Nothing you saved is lost");
    expect(screen.getByTestId("crash-report-path").textContent).toBe("data-folder/crash-reports/crash-2.txt");
    fireEvent.click(screen.getByTestId("dismiss-crash"));
    await waitFor(() => expect(screen.queryByTestId("crash-notice")).toBeNull());
    expect(dismissed).toBe(1);
  });

  it("renders provider names as text, never as HTML", async () => {
    const evil = provider({ name: "<img src=x onerror=alert(1)>" });
    mockIPC((cmd) =>
      cmd === "app_info"
        ? info
        : cmd === "list_providers"
          ? [evil]
          : cmd === "cached_page"
            ? { total: 0, offset: 0, rows: [] }
            : null,
    );
    const { container } = renderApp();
    const name = await screen.findByTestId("provider-name");
    expect(name.textContent).toBe(evil.name);
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows a command error's message, with the code one click away", async () => {
    mockIPC((cmd) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [];
      if (cmd === "test_connection")
        throw { code: "provider_unreachable", message: "could not reach", detail: "refused" };
      return null;
    });
    renderApp();
    fireEvent.click(await screen.findByTestId("add-provider"));
    fireEvent.change(screen.getByTestId("field-url"), { target: { value: "http://127.0.0.1:9" } });
    fireEvent.click(screen.getByTestId("test-connection"));
    const box = await screen.findByTestId("error-box");
    expect(box.getAttribute("data-code")).toBe("provider_unreachable");
    expect(within(box).getByTestId("error-code").textContent).toBe("provider_unreachable");
  });

  it("lists the cached users of a synced provider, as text", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page") {
        seen.push(args);
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "1", userName: "<b>ann</b>", displayName: "Ann Lee", active: false }],
        };
      }
      return null;
    });
    const { container } = renderApp();
    const rows = await screen.findAllByTestId("directory-row");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.textContent).toContain("<b>ann</b>");
    expect(container.querySelector("tbody b")).toBeNull();
    expect(rows[0]?.textContent).toContain("inactive");
    expect(screen.getByTestId("result-count").textContent).toContain("1 user");
    expect(seen[0]).toMatchObject({ query: { provider: "HR", kind: "User", offset: 0 } });
  });

  it("labels an incomplete copy with how many were read of how many", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    mockIPC((cmd) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          completeness: {
            complete: false,
            warning: "Incomplete copy: 200 of 300 users",
            advice: "Nobody is deactivated or deleted on the strength of this copy.",
            reads: [{ what: "users", end: "empty_page", read: 200, announced: 300 }],
          },
          rows: [{ id: "1", userName: "ann", displayName: "Ann Lee", active: true }],
        };
      return null;
    });
    renderApp();
    const banner = await screen.findByTestId("incomplete-copy");
    expect(banner.textContent).toContain("Incomplete copy: 200 of 300 users");
    expect(banner.textContent).toContain("Nobody is deactivated or deleted");
  });

  it("shows an unverified or unencrypted connection in red in the sidebar", async () => {
    const insecure = provider({ name: "lab", tlsSkipVerify: true });
    const plain = provider({ name: "plain", baseUrl: "http://scim.lab.example/v2", allowPlainHttp: true });
    const local = provider({ name: "local", baseUrl: "http://127.0.0.1:9/v2" });
    mockIPC((cmd) =>
      cmd === "app_info"
        ? info
        : cmd === "list_providers"
          ? [insecure, plain, local]
          : cmd === "cached_page"
            ? { total: 0, offset: 0, rows: [] }
            : null,
    );
    renderApp();
    const items = await screen.findAllByTestId("provider-item");
    const tags = (i: number) => Array.from(items[i]?.querySelectorAll(".tag.warn") ?? []).map((t) => t.textContent);
    expect(tags(0)).toEqual(["TLS not verified"]);
    expect(tags(1)).toEqual(["NOT ENCRYPTED"]);
    // (.tag.warn is drawn in the danger colour: styles.css.)
    expect(tags(2)).toEqual([]);
  });

  it("offers plain http to another computer only behind a visible switch", async () => {
    let sent: unknown = null;
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [];
      if (cmd === "add_provider") {
        sent = args;
        throw { code: "invalid_input", message: "not encrypted" };
      }
      return null;
    });
    renderApp();
    fireEvent.click(await screen.findByTestId("add-provider"));
    fireEvent.change(screen.getByTestId("field-url"), { target: { value: "http://127.0.0.1:9/v2" } });
    expect(screen.queryByTestId("field-plain-http")).toBeNull();
    fireEvent.change(screen.getByTestId("field-url"), { target: { value: "http://scim.lab.example/v2" } });
    const box = screen.getByTestId("field-plain-http") as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(screen.getByRole("note").textContent).toBe(
      "This address is not encrypted: the token and every record would travel in clear text across the network. " +
        "Use the provider's https:// address if it has one.",
    );
    fireEvent.click(box);
    fireEvent.change(screen.getByTestId("field-name"), { target: { value: "lab" } });
    fireEvent.change(screen.getByTestId("field-secret"), { target: { value: "t" } });
    fireEvent.click(screen.getByTestId("save-provider"));
    await waitFor(() => expect(sent).not.toBeNull());
    expect(sent).toMatchObject({ input: { baseUrl: "http://scim.lab.example/v2", allowPlainHttp: true } });
  });

  it("closes the Columns pop-up on Escape (and only it) and on a click outside (issue 20, bug 10)", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    mockIPC((cmd) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "1", userName: "ann", active: true }],
        };
      return null;
    });
    renderApp();
    await screen.findAllByTestId("directory-row");
    const menu = screen.getByTestId("column-chooser").closest("details") as HTMLDetailsElement;
    menu.open = true;
    let escapesBehind = 0;
    const behind = (e: KeyboardEvent) => {
      if (e.key === "Escape") escapesBehind += 1;
    };
    window.addEventListener("keydown", behind);
    fireEvent.keyDown(window, { key: "Escape" });
    expect(menu.open).toBe(false);
    expect(escapesBehind).toBe(0);
    // With the menu closed, Escape goes on to the window as before.
    fireEvent.keyDown(window, { key: "Escape" });
    expect(escapesBehind).toBe(1);
    window.removeEventListener("keydown", behind);
    menu.open = true;
    fireEvent.mouseDown(within(menu).getByText("Columns"));
    expect(menu.open).toBe(true);
    fireEvent.mouseDown(document.body);
    expect(menu.open).toBe(false);
  });

  it("works offline when asked: nothing can reach the provider, and the status bar says so (issue 20, bug 7)", async () => {
    localStorage.clear();
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "1", userName: "ann", active: true }],
        };
      return null;
    });
    renderApp();
    await screen.findAllByTestId("directory-row");
    const syncNow = screen.getByTestId("sync-now") as HTMLButtonElement;
    expect(syncNow.disabled).toBe(false);
    fireEvent.click(screen.getByTestId("work-offline"));
    expect(syncNow.disabled).toBe(true);
    expect((screen.getByTestId("test-provider") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("status-online").textContent).toContain("Working offline");
    expect(screen.getByTestId("status-online").textContent).not.toContain("Online");
    expect(screen.getByTestId("offline-banner").textContent).toContain("copy on this computer");
    fireEvent.click(syncNow);
    expect(calls).not.toContain("sync_provider");
    expect(calls).not.toContain("test_provider");
    // Kept for the next start.
    expect(localStorage.getItem("workOffline")).toBe("1");
    fireEvent.click(screen.getByTestId("work-offline"));
    expect(syncNow.disabled).toBe(false);
    localStorage.clear();
  });

  it("draws the Edit provider dialog above the page, which is inert until it closes (issue 20, bug 1)", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    mockIPC((cmd) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "1", userName: "ann", active: true }],
        };
      return null;
    });
    const { container } = renderApp();
    await screen.findAllByTestId("directory-row");
    const edit = screen.getByTestId("edit-provider");
    edit.focus();
    fireEvent.click(edit);
    const dialog = await screen.findByTestId("add-provider-dialog");
    // In its own layer at the end of the page, not inside the panel the users table paints in.
    expect(container.contains(dialog)).toBe(false);
    expect(dialog.closest("[data-modal-host]")?.parentElement).toBe(document.body);
    // The page behind takes no clicks and no focus.
    expect(container.hasAttribute("inert")).toBe(true);
    expect(dialog.contains(document.activeElement)).toBe(true);
    // Tab from the last control comes back to the first.
    const controls = dialog.querySelectorAll<HTMLElement>("button:not([disabled]), input:not([disabled]), select");
    const last = controls[controls.length - 1]!;
    last.focus();
    fireEvent.keyDown(last, { key: "Tab" });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).not.toBe(last);
    // Cancel closes it, gives the page back and opens nothing behind it.
    fireEvent.click(within(dialog).getByTestId("cancel-dialog"));
    await waitFor(() => expect(screen.queryByTestId("add-provider-dialog")).toBeNull());
    expect(container.hasAttribute("inert")).toBe(false);
    expect(screen.queryByTestId("detail-panel")).toBeNull();
    expect(document.activeElement).toBe(edit);
  });

  it("asks before leaving a record with unsaved edits: keep editing, discard, or review and save (issue 20, bug 6)", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const attr = (name: string) => ({
      name,
      type: "string",
      multiValued: false,
      required: false,
      mutability: "readWrite",
      caseExact: false,
      canonicalValues: [],
      referenceTypes: [],
      description: "",
      subAttributes: [],
    });
    const user = (id: string, title: string) => ({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      id,
      userName: `user${id}`,
      title,
    });
    const calls: string[] = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 2,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [
            { id: "1", userName: "user1", active: true },
            { id: "2", userName: "user2", active: true },
          ],
        };
      if (cmd === "resource_detail") {
        const id = (args as { id: string }).id;
        return detailOf({
          resource: user(id, "Engineer"),
          sections: [
            {
              schema: "urn:ietf:params:scim:schemas:core:2.0:User",
              name: "User",
              extension: false,
              attributes: [attr("userName"), attr("title")],
            },
          ],
        });
      }
      if (cmd === "preview_edit")
        return {
          method: "PATCH",
          path: "/Users/1",
          bodies: [],
          changes: [{ change: "changed", path: "title", before: "Engineer", after: "Lead" }],
          warnings: [],
        };
      return null;
    });
    renderApp();
    const rows = await screen.findAllByTestId("directory-row");
    fireEvent.click(rows[0]!);
    const title = (await screen.findByTestId("attr-title")) as HTMLInputElement;
    fireEvent.change(title, { target: { value: "Lead" } });
    // Escape asks instead of throwing the edit away.
    fireEvent.keyDown(window, { key: "Escape" });
    await screen.findByTestId("unsaved-dialog");
    fireEvent.click(screen.getByTestId("keep-editing"));
    await waitFor(() => expect(screen.queryByTestId("unsaved-dialog")).toBeNull());
    expect((screen.getByTestId("attr-title") as HTMLInputElement).value).toBe("Lead");
    // Another row asks too; "Review and save" opens the review of the edit.
    fireEvent.click(screen.getAllByTestId("directory-row")[1]!);
    fireEvent.click(await screen.findByTestId("review-and-save"));
    await screen.findByTestId("review-dialog");
    expect(calls).toContain("preview_edit");
    expect(calls).not.toContain("save_edit");
    fireEvent.click(within(screen.getByTestId("review-dialog")).getByText("Back to editing"));
    await waitFor(() => expect(screen.queryByTestId("review-dialog")).toBeNull());
    // Discard leaves the record; the edit is gone.
    fireEvent.keyDown(window, { key: "Escape" });
    fireEvent.click(await screen.findByTestId("discard-changes"));
    await waitFor(() => expect(screen.queryByTestId("detail-panel")).toBeNull());
    // A record without edits closes on Escape at once.
    fireEvent.click(screen.getAllByTestId("directory-row")[0]!);
    await screen.findByTestId("attr-title");
    fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("detail-panel")).toBeNull());
    expect(screen.queryByTestId("unsaved-dialog")).toBeNull();
  });

  it("says what each saved edit changed, by whom, and does not call the oldest copy kept 'added' (issue 20, bug 9)", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const previews: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "preview_edit") {
        previews.push((args as { request: unknown }).request);
        return { method: "PATCH", path: "/Users/1", bodies: [], changes: [], warnings: [] };
      }
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "1", userName: "ann", active: true }],
        };
      if (cmd === "resource_detail")
        return detailOf({
          resource: { id: "1", userName: "ann", title: "Lead" },
          audit: [
            {
              id: 7,
              at: "2026-11-28T11:00:00Z",
              osUser: "hr.clerk",
              provider: "HR",
              resourceKind: "User",
              resourceId: "1",
              operation: "update",
              httpStatus: 204,
              before: { id: "1", userName: "ann", title: "Engineer" },
              after: { id: "1", userName: "ann", title: "Lead" },
              changes: [{ change: "changed", path: "title", before: "Engineer", after: "Lead" }],
            },
          ],
          versions: [
            { snapshotId: 2, takenAt: "2026-11-28T09:00:00Z", change: "first_kept", attributes: [] },
            { snapshotId: 3, takenAt: "2026-11-28T10:00:00Z", change: "unchanged", attributes: [] },
          ],
        });
      return null;
    });
    renderApp();
    fireEvent.click((await screen.findAllByTestId("directory-row"))[0]!);
    fireEvent.click(await screen.findByRole("tab", { name: "History" }));
    const versions = await screen.findByTestId("version-list");
    expect(versions.textContent).toContain("in the oldest copy kept");
    expect(versions.textContent).not.toContain("added");
    const audit = screen.getByTestId("audit-list");
    expect(audit.textContent).toContain("update by hr.clerk");
    expect(screen.getByTestId("audit-changes").textContent).toBe("Job title: Engineer → Lead");
    // The SCIM paths and the recorded states one click away.
    const technical = JSON.parse(screen.getByTestId("audit-detail").textContent ?? "{}") as Record<string, unknown>;
    expect(technical).toMatchObject({
      operation: "update",
      status: 204,
      paths: ["title"],
      before: { title: "Engineer" },
    });
    // Any saved edit can be reverted: its review goes from what it saved back to what was there.
    fireEvent.click(screen.getByTestId("revert-change"));
    await waitFor(() => expect(previews).toHaveLength(1));
    expect(previews[0]).toMatchObject({ before: { title: "Lead" }, after: { title: "Engineer" } });
  });

  it("prints a person's record with its evidence: attributes in words, groups, and each change with who and the provider's answer", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const base = (cmd: string): unknown => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "1", userName: "ann", active: false }],
        };
      if (cmd === "resource_detail")
        return detailOf({
          resource: {
            id: "1",
            userName: "ann",
            displayName: "Ann Lee",
            active: false,
            emails: [{ value: "ann@x.org", type: "work" }],
          },
          groups: [{ id: "g1", label: "Payroll", kind: "Group" }],
          audit: [
            {
              id: 9,
              at: "2026-11-28T11:00:00Z",
              osUser: "hr.clerk",
              provider: "HR",
              resourceKind: "User",
              resourceId: "1",
              operation: "update",
              httpStatus: 200,
              changes: [{ change: "changed", path: "active", before: true, after: false }],
            },
          ],
        });
      return null;
    };
    let printed = 0;
    mockIPC((cmd) => (cmd === "print_page" ? ((printed += 1), null) : base(cmd)));
    {
      renderApp();
      fireEvent.click((await screen.findAllByTestId("directory-row"))[0]!);
      fireEvent.click(await screen.findByTestId("print-record"));
      const page = await screen.findByTestId("print-page");
      await waitFor(() => expect(printed).toBe(1));
      const text = page.textContent ?? "";
      expect(text).toContain("Ann Lee");
      expect(text).toContain("Person at HR · inactive");
      expect(text).toContain("Work e-mailann@x.org");
      expect(text).toContain("Groups (1)Payroll");
      expect(text).toContain("Active: true → false");
      expect(text).toContain("hr.clerk");
      expect(text).toContain("HTTP 200");
      // Printing ends: the page goes.
      window.dispatchEvent(new Event("afterprint"));
      await waitFor(() => expect(screen.queryByTestId("print-page")).toBeNull());
    }
  });

  it("lists on the Changes tab the changes made here, which the copies do not show (issue 20, bug 2)", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    mockIPC((cmd) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page") return { total: 0, offset: 0, snapshotAt: "2026-11-28T10:00:00Z", rows: [] };
      if (cmd === "diff_snapshots")
        return {
          provider: "HR",
          fromSnapshot: 4,
          toSnapshot: 5,
          changes: [],
          madeHere: [
            {
              id: 9,
              at: "2026-11-28T09:30:00Z",
              osUser: "hr.clerk",
              provider: "HR",
              resourceKind: "User",
              resourceId: "1",
              operation: "update",
              httpStatus: 204,
              before: { userName: "ann", name: { familyName: "Lee" } },
              after: { userName: "ann", name: { familyName: "Li" } },
              changes: [{ change: "changed", path: "name.familyName", before: "Lee", after: "Li" }],
            },
          ],
        };
      return null;
    });
    renderApp();
    await screen.findByTestId("sync-now");
    fireEvent.click(screen.getByTestId("tab-changes"));
    const made = await screen.findByTestId("made-here");
    expect(made.textContent).toContain("ann");
    expect(made.textContent).toContain("Family name: Lee → Li");
    expect(made.textContent).toContain("hr.clerk");
    expect(screen.getByTestId("changes").textContent).not.toContain("Nothing changed at");
  });

  it("deactivates in one step to its review, and activates an inactive person the same way", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    let active = true;
    const previews: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "1", userName: "ann", active }],
        };
      if (cmd === "resource_detail")
        return detailOf({
          resource: { id: "1", userName: "ann", active },
        });
      if (cmd === "preview_edit") {
        const req = (args as { request: { after: { active: boolean } } }).request;
        previews.push(req.after.active);
        return {
          method: "PATCH",
          path: "/Users/1",
          bodies: [],
          changes: [{ change: "changed", path: "active", before: !req.after.active, after: req.after.active }],
          warnings: [],
        };
      }
      return null;
    });
    const { unmount } = renderApp();
    fireEvent.click((await screen.findAllByTestId("directory-row"))[0]!);
    fireEvent.click(await screen.findByTestId("deactivate"));
    // Straight to the review, with what it means in words; nothing edited, so "Cancel".
    const review = await screen.findByTestId("review-dialog");
    expect(screen.getByTestId("review-note").textContent).toContain("can no longer sign in");
    expect(screen.getByTestId("review-cancel").textContent).toBe("Cancel");
    expect(previews).toEqual([false]);
    fireEvent.click(within(review).getByTestId("review-cancel"));
    await waitFor(() => expect(screen.queryByTestId("review-dialog")).toBeNull());
    unmount();
    // An inactive person can be activated again.
    active = false;
    renderApp();
    fireEvent.click((await screen.findAllByTestId("directory-row"))[0]!);
    fireEvent.click(await screen.findByTestId("activate"));
    await screen.findByTestId("review-dialog");
    expect(screen.getByTestId("review-note").textContent).toContain("active again");
    expect(previews).toEqual([false, true]);
  });

  it("stages membership changes, reviews them, saves them, says so and can undo them", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const changes: unknown[] = [];
    const members = [
      { id: "u1", label: "Ann Lee", kind: "User" as const },
      { id: "u2", label: "Bob Stone", kind: "User" as const },
    ];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return { total: 1, offset: 0, snapshotAt: "2026-11-28T10:00:00Z", rows: [{ id: "g1", displayName: "Staff" }] };
      if (cmd === "resource_detail")
        return detailOf({
          // A new version after each change, as the provider's record would have.
          resource: { id: "g1", displayName: "Staff", meta: { version: `v${changes.length}` } },
          members,
          membersTotal: 2,
        });
      if (cmd === "group_members") return { total: 2, members };
      if (cmd === "change_membership") {
        changes.push((args as { change: unknown }).change);
        return { id: "g1", displayName: "Staff" };
      }
      return null;
    });
    renderApp();
    await screen.findByTestId("sync-now");
    fireEvent.click(screen.getByTestId("tab-groups"));
    fireEvent.click((await screen.findAllByTestId("directory-row"))[0]!);
    fireEvent.click(await screen.findByTestId("detail-tab-related"));
    fireEvent.click(await screen.findByLabelText("Remove Bob Stone from the group"));
    // Nothing sent yet: staged, with a way back.
    expect(changes).toEqual([]);
    expect(screen.getByTestId("membership-staged").textContent).toContain("1 member to remove");
    fireEvent.click(screen.getByTestId("membership-review"));
    const dialog = await screen.findByTestId("membership-dialog");
    expect(dialog.textContent).toContain("Removed from the group");
    expect(dialog.textContent).toContain("Bob Stone");
    fireEvent.click(within(dialog).getByTestId("membership-save"));
    const saved = await screen.findByTestId("membership-saved");
    expect(saved.textContent).toContain("1 member removed in Staff");
    expect(changes).toEqual([{ provider: "HR", groupId: "g1", add: [], remove: ["u2"] }]);
    fireEvent.click(within(saved).getByTestId("membership-undo"));
    await waitFor(() => expect(changes).toHaveLength(2));
    expect(changes[1]).toEqual({ provider: "HR", groupId: "g1", add: ["u2"], remove: [] });
  });

  it("filters people by status with one click, and reaches the results from the search box by keyboard", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const queries: { filter?: string }[] = [];
    const opened: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page") {
        queries.push((args as { query: { filter?: string } }).query);
        return {
          total: 2,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [
            { id: "1", userName: "ann", active: true },
            { id: "2", userName: "bob", active: false },
          ],
        };
      }
      if (cmd === "resource_detail") {
        opened.push((args as { id: string }).id);
        throw { code: "not_found", message: "gone" };
      }
      return null;
    });
    renderApp();
    await screen.findAllByTestId("directory-row");
    fireEvent.click(screen.getByTestId("status-inactive"));
    await waitFor(() => expect(queries.at(-1)?.filter).toBe("active eq false"));
    expect(screen.getByTestId("status-inactive").getAttribute("aria-checked")).toBe("true");
    fireEvent.click(screen.getByTestId("status-active"));
    await waitFor(() => expect(queries.at(-1)?.filter).toBe("active eq true"));
    fireEvent.click(screen.getByTestId("status-all"));
    await waitFor(() => expect(queries.at(-1)?.filter).toBeUndefined());
    // Tab goes past the column headers to the rows (one stop).
    for (const th of screen.getAllByRole("columnheader")) expect(th.getAttribute("tabindex")).toBe("-1");
    expect(screen.getByTestId("grid-scroll").getAttribute("tabindex")).toBe("0");
    // Arrow down from the search box moves to the second result; Enter opens it.
    const search = screen.getByTestId("quick-search");
    search.focus();
    fireEvent.keyDown(search, { key: "ArrowDown" });
    fireEvent.keyDown(search, { key: "Enter" });
    await waitFor(() => expect(opened).toEqual(["2"]));
  });

  it("shows the manager as a link and the direct reports, and opens them", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const people: Record<string, { name: string; manager?: string; reports: string[] }> = {
      ann: { name: "Ann Lee", manager: "boss", reports: ["bob"] },
      boss: { name: "The Boss", reports: ["ann"] },
      bob: { name: "Bob Stone", manager: "ann", reports: [] },
    };
    const ref = (id: string) => ({ id, label: people[id]!.name, kind: "User" as const });
    const opened: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page")
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "ann", userName: "ann", active: true }],
        };
      if (cmd === "resource_detail") {
        const id = (args as { id: string }).id;
        opened.push(id);
        const p = people[id]!;
        return detailOf({
          resource: { id, userName: id, displayName: p.name },
          manager: p.manager ? ref(p.manager) : undefined,
          reports: p.reports.map(ref),
        });
      }
      return null;
    });
    renderApp();
    fireEvent.click((await screen.findAllByTestId("directory-row"))[0]!);
    expect((await screen.findByTestId("manager-line")).textContent).toContain("The Boss · 1 direct report");
    fireEvent.click(screen.getByTestId("detail-tab-related"));
    expect((await screen.findByTestId("direct-reports")).textContent).toBe("Bob Stone");
    fireEvent.click(within(screen.getByTestId("direct-reports")).getByText("Bob Stone"));
    await waitFor(() => expect(opened.at(-1)).toBe("bob"));
    fireEvent.click(await screen.findByTestId("manager-link"));
    await waitFor(() => expect(opened.at(-1)).toBe("ann"));
  });

  it("adds a person to a group and takes them out of another from their page, reviewed, with undo", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const changes: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page") {
        const q = (args as { query: { kind: string; search?: string } }).query;
        if (q.kind === "Group") return { total: 1, offset: 0, rows: [{ id: "g2", displayName: "Payroll" }] };
        return {
          total: 1,
          offset: 0,
          snapshotAt: "2026-11-28T10:00:00Z",
          rows: [{ id: "u1", userName: "ann", active: true }],
        };
      }
      if (cmd === "resource_detail")
        return detailOf({
          resource: { id: "u1", userName: "ann", meta: { version: `v${changes.length}` } },
          groups: [{ id: "g1", label: "Staff", kind: "Group" }],
        });
      if (cmd === "change_membership") {
        changes.push((args as { change: unknown }).change);
        return {};
      }
      return null;
    });
    renderApp();
    fireEvent.click((await screen.findAllByTestId("directory-row"))[0]!);
    fireEvent.click(await screen.findByTestId("detail-tab-related"));
    const picker = await screen.findByTestId("attr-add-to-group");
    fireEvent.focus(picker);
    fireEvent.change(picker, { target: { value: "Pay" } });
    fireEvent.mouseDown(await screen.findByTestId("picker-option"));
    fireEvent.click(screen.getByLabelText("Leave Staff"));
    expect(screen.getByTestId("membership-staged").textContent).toContain("1 group to join and 1 group to leave");
    expect(changes).toEqual([]);
    fireEvent.click(screen.getByTestId("membership-review"));
    const dialog = await screen.findByTestId("membership-dialog");
    expect(dialog.textContent).toContain("Payroll");
    expect(dialog.textContent).toContain("Staff");
    fireEvent.click(within(dialog).getByTestId("membership-save"));
    expect((await screen.findByTestId("membership-saved")).textContent).toContain("Joined 1 group and left 1 group");
    expect(changes).toEqual([
      { provider: "HR", groupId: "g2", add: ["u1"], remove: [] },
      { provider: "HR", groupId: "g1", add: [], remove: ["u1"] },
    ]);
    fireEvent.click(screen.getByTestId("membership-undo"));
    await waitFor(() => expect(changes).toHaveLength(4));
    expect(changes.slice(2)).toEqual([
      { provider: "HR", groupId: "g1", add: ["u1"], remove: [] },
      { provider: "HR", groupId: "g2", add: [], remove: ["u1"] },
    ]);
  });

  it("selects people with checkboxes and Shift+click, deactivates them in one reviewed run, and undoes it", async () => {
    const synced = provider({ lastSyncAt: "2026-11-28T10:00:00Z" });
    const people = ["ann", "bob", "cy", "dee"].map((u, i) => ({
      id: `u${i}`,
      userName: u,
      displayName: u.toUpperCase(),
      active: true,
    }));
    const calls: Record<string, unknown[]> = {};
    const report = {
      provider: "HR",
      action: { kind: "deactivate" },
      rows: [
        { id: "u0", label: "ANN", outcome: "saved", auditId: 7 },
        { id: "u1", label: "BOB", outcome: "saved", auditId: 8 },
        { id: "u2", label: "CY", outcome: "failed", message: "The provider refused the change." },
      ],
      saved: 2,
      unchanged: 0,
      failed: 1,
      undo: false,
    };
    mockIPC((cmd, args) => {
      (calls[cmd] ??= []).push(args);
      if (cmd === "app_info") return info;
      if (cmd === "list_providers") return [synced];
      if (cmd === "cached_page") return { total: 4, offset: 0, snapshotAt: "2026-11-28T10:00:00Z", rows: people };
      if (cmd === "preview_bulk")
        return {
          rows: people.slice(0, 3).map((p) => ({
            id: p.id,
            label: p.displayName,
            changes: [{ change: "changed", path: "active", before: true, after: false }],
          })),
          changing: 3,
          unchanged: 0,
          missing: [],
          warnings: [],
        };
      if (cmd === "run_bulk") return report;
      if (cmd === "undo_bulk") return { ...report, rows: report.rows.slice(0, 2), failed: 0, undo: true };
      return null;
    });
    renderApp();
    const checks = await screen.findAllByTestId("row-check");
    fireEvent.click(checks[0] as HTMLElement);
    // Shift+click on the third row's line selects the range from the first.
    const rows = screen.getAllByTestId("directory-row");
    fireEvent.click(rows[2] as HTMLElement, { shiftKey: true });
    expect(screen.getByTestId("bulk-count").textContent).toBe("3 people selected");
    // A Shift+click selects; it does not open the record.
    expect(screen.queryByTestId("detail-panel")).toBeNull();
    fireEvent.click(screen.getByTestId("bulk-deactivate"));
    const summary = await screen.findByTestId("bulk-summary");
    expect(summary.textContent).toContain("Deactivate for 3 people");
    expect(screen.getAllByTestId("bulk-preview-row")[0]?.textContent).toContain("Active: yes → no");
    expect(calls.preview_bulk?.[0]).toEqual({
      request: { provider: "HR", ids: ["u0", "u1", "u2"], action: { kind: "deactivate" } },
    });
    fireEvent.click(screen.getByTestId("bulk-save"));
    const result = await screen.findByTestId("bulk-result");
    expect(result.textContent).toContain("Saved for 2 people; 1 person not saved");
    // Failures first, with their reason.
    const resultRows = screen.getAllByTestId("bulk-result-row");
    expect(resultRows[0]?.getAttribute("data-outcome")).toBe("failed");
    expect(resultRows[0]?.textContent).toContain("The provider refused the change.");
    fireEvent.click(screen.getByTestId("bulk-undo"));
    await waitFor(() => expect(calls.undo_bulk).toHaveLength(1));
    expect(calls.undo_bulk?.[0]).toEqual({ report });
    expect((await screen.findByTestId("bulk-result")).textContent).toContain("Undone. Saved for 2 people");
    fireEvent.click(screen.getByTestId("bulk-done"));
    expect((await screen.findByTestId("bulk-last")).textContent).toContain("Undone: Deactivate: Saved for 2 people");
  });

  it("shows the startup error when the engine could not open", async () => {
    mockIPC(() => {
      throw { code: "database_too_new", message: "saved by a newer version" };
    });
    renderApp();
    const err = await screen.findByTestId("startup-error");
    expect(err.textContent).toContain("saved by a newer version");
  });
});

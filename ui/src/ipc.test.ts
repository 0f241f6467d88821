import { describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import { CommandError, ipc, toCommandError } from "./ipc";

describe("toCommandError", () => {
  it("keeps the code, message and detail of an IPC error", () => {
    const e = toCommandError({
      code: "provider_unreachable",
      message: "SCIM Desk could not reach the provider",
      detail: "connection refused",
    });
    expect(e).toBeInstanceOf(CommandError);
    expect(e.code).toBe("provider_unreachable");
    expect(e.detail).toBe("connection refused");
  });

  it("turns anything else into an internal error with the raw text as detail", () => {
    const e = toCommandError("command not allowed by ACL");
    expect(e.code).toBe("internal");
    expect(e.detail).toBe("command not allowed by ACL");
    expect(toCommandError({ code: "made_up", message: "x" }).code).toBe("internal");
  });
});

describe("ipc", () => {
  it("sends the provider form under `input` and rejects with a CommandError", async () => {
    let seen: unknown = null;
    mockIPC((cmd, args) => {
      seen = { cmd, args };
      throw { code: "duplicate_name", message: 'a provider named "A" already exists' };
    });
    const input = {
      name: "A",
      baseUrl: "https://x/scim/v2",
      authKind: "none" as const,
      tlsSkipVerify: false,
      allowPlainHttp: false,
      keepSecretForNewAddress: false,
    };
    await expect(ipc.addProvider(input)).rejects.toMatchObject({ code: "duplicate_name" });
    expect(seen).toEqual({ cmd: "add_provider", args: { input } });
  });
});

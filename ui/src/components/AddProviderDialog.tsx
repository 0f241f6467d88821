import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { ipc, toCommandError, type ProviderInput, type ProviderSummary } from "../ipc";
import type { AuthKind } from "../bindings/AuthKind";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";
import { CapabilityList } from "./CapabilityList";
import { Modal } from "./Modal";
import { isRemotePlainHttp, originOf } from "../format";

interface Props {
  onClose: () => void;
  onSaved: (p: ProviderSummary) => void | Promise<void>;
  /** Edit this provider instead of adding one (its name stays; an empty secret keeps the
   * one in the keyring). */
  editing?: ProviderSummary;
}

/** The Add (or Edit) provider dialog: the secret goes from this form to the OS keyring,
 * nowhere else. */
export function AddProviderDialog({ onClose, onSaved, editing }: Props) {
  const [name, setName] = useState(editing?.name ?? "");
  const [baseUrl, setBaseUrl] = useState(editing?.baseUrl ?? "");
  const [authKind, setAuthKind] = useState<AuthKind>(editing?.authKind ?? "bearer");
  const [username, setUsername] = useState(editing?.username ?? "");
  const [secret, setSecret] = useState("");
  const [tokenUrl, setTokenUrl] = useState(editing?.tokenUrl ?? "");
  const [scope, setScope] = useState(editing?.scope ?? "");
  const [tlsSkipVerify, setTlsSkipVerify] = useState(editing?.tlsSkipVerify ?? false);
  const [caPem, setCaPem] = useState(editing?.caCertificate ?? "");
  const [caName, setCaName] = useState(editing?.caCertificate ? "saved certificate authority" : "");
  const [allowPlainHttp, setAllowPlainHttp] = useState(editing?.allowPlainHttp ?? false);
  const [keepSecret, setKeepSecret] = useState(false);

  const input = (): ProviderInput => ({
    name,
    baseUrl,
    authKind,
    username: authKind === "basic" || authKind === "oauth2" ? username : undefined,
    secret: authKind === "none" || (editing && !secret) ? undefined : secret,
    tlsSkipVerify,
    tokenUrl: authKind === "oauth2" ? tokenUrl : undefined,
    scope: authKind === "oauth2" && scope ? scope : undefined,
    caCertificate: caPem && !tlsSkipVerify ? caPem : undefined,
    allowPlainHttp: allowPlainHttp && plainHttp,
    keepSecretForNewAddress: keepSecret && movedTo !== null,
  });

  // Editing without a new secret tests the saved settings (the secret stays in the keyring).
  const test = useMutation({
    mutationFn: () => (editing && !secret ? ipc.testProvider(editing.name) : ipc.testConnection(input())),
  });
  const save = useMutation({
    mutationFn: () => (editing ? ipc.updateProvider(editing.name, input()) : ipc.addProvider(input())),
    onSuccess: (p) => onSaved(p),
  });
  const secretLabel = authKind === "bearer" ? "Token" : authKind === "oauth2" ? "Client secret" : "Password";
  // Plain http to another computer: only with the visible switch below.
  const plainHttp = isRemotePlainHttp(baseUrl) || (authKind === "oauth2" && isRemotePlainHttp(tokenUrl));
  // Editing: the address (or the token address) moved to another origin while the stored secret
  // would be kept. The secret goes there only if the person says so.
  const movedTo = (() => {
    if (!editing || secret || authKind === "none" || authKind !== editing.authKind) return null;
    const now = originOf(baseUrl);
    if (now && now !== originOf(editing.baseUrl)) return now;
    const token = authKind === "oauth2" ? originOf(tokenUrl) : null;
    if (token && editing.tokenUrl && token !== originOf(editing.tokenUrl)) return token;
    return null;
  })();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };

  return (
    <Modal title={editing ? `Edit ${editing.name}` : "Add provider"} testId={testIds.dialog} onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          Name
          <input
            autoFocus={!editing}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. Okta production"
            required
            disabled={!!editing}
            data-testid={testIds.fieldName}
          />
        </label>
        <label>
          SCIM base address
          <input
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            placeholder="https://example.com/scim/v2"
            inputMode="url"
            spellCheck={false}
            required
            data-testid={testIds.fieldUrl}
          />
        </label>
        <label>
          Sign-in method
          <select
            value={authKind}
            onChange={(e) => setAuthKind(e.target.value as AuthKind)}
            data-testid={testIds.fieldAuth}
          >
            <option value="bearer">Bearer token</option>
            <option value="basic">User name and password</option>
            <option value="oauth2">OAuth 2.0 client credentials</option>
            <option value="none">None</option>
          </select>
        </label>
        {authKind === "oauth2" && (
          <label>
            Token address
            <input
              value={tokenUrl}
              onChange={(e) => setTokenUrl(e.target.value)}
              placeholder="https://login.example.com/oauth2/token"
              inputMode="url"
              spellCheck={false}
              data-testid={testIds.fieldTokenUrl}
            />
          </label>
        )}
        {(authKind === "basic" || authKind === "oauth2") && (
          <label>
            {authKind === "oauth2" ? "Client ID" : "User name"}
            <input
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              autoComplete="off"
              data-testid={testIds.fieldUsername}
            />
          </label>
        )}
        {authKind !== "none" && (
          <label>
            {secretLabel}
            <input
              type="password"
              placeholder={editing ? "Leave empty to keep the one in the keyring" : undefined}
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              autoComplete="off"
              data-testid={testIds.fieldSecret}
            />
            <span className="hint">Kept in the system keyring, never in SCIM Desk's files.</span>
          </label>
        )}
        {authKind === "oauth2" && (
          <label>
            Scope (if the provider asks for one)
            <input
              value={scope}
              onChange={(e) => setScope(e.target.value)}
              spellCheck={false}
              data-testid={testIds.fieldScope}
            />
          </label>
        )}
        {baseUrl.trim().toLowerCase().startsWith("https:") && !tlsSkipVerify && (
          <div className="ca-field">
            <label className="file-button">
              Provider's certificate authority (PEM)…
              <input
                type="file"
                accept=".pem,.crt,.cer,application/x-pem-file"
                className="sr-only"
                data-testid={testIds.fieldCaFile}
                onChange={async (e) => {
                  const f = e.target.files?.[0];
                  e.target.value = "";
                  if (!f) return;
                  setCaPem(await f.text());
                  setCaName(f.name);
                }}
              />
            </label>
            {caPem ? (
              <span className="small">
                Trusting {caName}{" "}
                <button
                  type="button"
                  onClick={() => {
                    setCaPem("");
                    setCaName("");
                  }}
                >
                  Remove
                </button>
              </span>
            ) : (
              <span className="muted small">Only for a server whose certificate no public authority signed.</span>
            )}
          </div>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={tlsSkipVerify}
            onChange={(e) => setTlsSkipVerify(e.target.checked)}
            data-testid={testIds.fieldTlsSkip}
          />
          Do not verify the server's certificate (unsafe)
        </label>
        {tlsSkipVerify && (
          <p className="warning" role="note">
            Anyone on the network could read or change what is sent to this provider. Use only for a test server you
            control.
          </p>
        )}
        {plainHttp && (
          <>
            <label className="check">
              <input
                type="checkbox"
                checked={allowPlainHttp}
                onChange={(e) => setAllowPlainHttp(e.target.checked)}
                data-testid={testIds.fieldPlainHttp}
              />
              Allow an unencrypted connection (http)
            </label>
            <p className="warning" role="note">
              This address is not encrypted: the {secretLabel.toLowerCase()} and every record would travel in clear text
              across the network. Use the provider's https:// address if it has one.
            </p>
          </>
        )}
        {movedTo && (
          <label className="check">
            <input
              type="checkbox"
              checked={keepSecret}
              onChange={(e) => setKeepSecret(e.target.checked)}
              data-testid={testIds.fieldKeepSecret}
            />
            Send the stored {secretLabel.toLowerCase()} to the new address {movedTo}
          </label>
        )}
        {test.isError && <ErrorBox error={toCommandError(test.error)} title="Connection failed" />}
        {test.isSuccess && <CapabilityList report={test.data} />}
        {save.isError && <ErrorBox error={toCommandError(save.error)} title="Not saved" />}
        <div className="dialog-actions">
          <button
            type="button"
            onClick={() => test.mutate()}
            disabled={test.isPending}
            data-testid={testIds.testConnection}
          >
            {test.isPending ? "Testing…" : "Test connection"}
          </button>
          <span className="spacer" />
          <button type="button" onClick={onClose} data-testid={testIds.cancelDialog}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.isPending} data-testid={testIds.saveProvider}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

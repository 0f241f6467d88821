import { useId, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { ipc } from "../ipc";

interface Props {
  provider: string;
  id: string;
  /** The picked user's id. */
  value?: string;
  disabled?: boolean;
  onChange: (id: string | undefined, label?: string) => void;
  placeholder?: string;
  /** What to pick: people (the default) or groups. */
  kind?: "User" | "Group";
}

/** Picks a user by name from the cached directory; the value is the user's id. */
export function UserPicker({ provider, id, value, disabled, onChange, placeholder, kind = "User" }: Props) {
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const listId = useId();
  const current = useQuery({
    queryKey: ["user-label", provider, kind, value],
    enabled: !!value,
    queryFn: () =>
      ipc.cachedPage({
        provider,
        kind,
        filter: `id eq ${JSON.stringify(value)}`,
        descending: false,
        offset: 0,
        limit: 1,
      }),
  });
  const matches = useQuery({
    queryKey: ["user-pick", provider, kind, text],
    enabled: open && text.trim().length > 0,
    queryFn: () => ipc.cachedPage({ provider, kind, search: text, descending: false, offset: 0, limit: 8 }),
  });
  const row = current.data?.rows[0];
  const shown = value ? (row ? `${row.displayName ?? row.userName ?? value}` : value) : "";
  return (
    <div className="picker">
      <input
        id={id}
        type="text"
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        data-testid={`attr-${id}`}
        disabled={disabled}
        placeholder={placeholder ?? "Type a name to search"}
        value={open ? text : shown}
        onFocus={() => {
          setText("");
          setOpen(true);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onChange={(e) => setText(e.target.value)}
      />
      {open && (
        <ul className="picker-list" id={listId} role="listbox">
          {value && (
            <li role="option" aria-selected={false}>
              <button type="button" className="link" onMouseDown={() => onChange(undefined)}>
                Clear
              </button>
            </li>
          )}
          {(matches.data?.rows ?? []).map((r) => (
            <li key={r.id} role="option" aria-selected={r.id === value}>
              <button
                type="button"
                data-testid="picker-option"
                onMouseDown={() => {
                  onChange(r.id, r.displayName ?? r.userName);
                  setOpen(false);
                }}
              >
                {r.displayName ?? r.userName} <span className="muted">{r.userName}</span>
              </button>
            </li>
          ))}
          {text && matches.data?.rows.length === 0 && <li className="muted pad">Nobody matches “{text}”.</li>}
        </ul>
      )}
    </div>
  );
}

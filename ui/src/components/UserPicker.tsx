import { useId, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { ipc } from "../ipc";
import { queryKeys } from "../queryKeys";

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
  // The option the arrows have reached; Enter picks it.
  const [active, setActive] = useState(0);
  const listId = useId();
  const current = useQuery({
    queryKey: queryKeys.userLabel(provider, kind, value),
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
    queryKey: queryKeys.userPick(provider, kind, text),
    enabled: open && text.trim().length > 0,
    queryFn: () => ipc.cachedPage({ provider, kind, search: text, descending: false, offset: 0, limit: 8 }),
  });
  const row = current.data?.rows[0];
  const options = matches.data?.rows ?? [];
  const pick = (r: (typeof options)[number]) => {
    onChange(r.id, r.displayName ?? r.userName);
    setOpen(false);
    setText("");
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setOpen(true);
      const n = options.length;
      if (n > 0) setActive((a) => (e.key === "ArrowDown" ? (a + 1) % n : (a - 1 + n) % n));
    } else if (e.key === "Enter" && open && options[active]) {
      e.preventDefault();
      pick(options[active]);
    } else if (e.key === "Escape" && open) {
      // Closes the list only, not the dialog around it.
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };
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
        aria-activedescendant={open && options[active] ? `${listId}-${active}` : undefined}
        data-testid={`attr-${id}`}
        disabled={disabled}
        placeholder={placeholder ?? "Type a name to search"}
        value={open ? text : shown}
        onFocus={() => {
          setText("");
          setOpen(true);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onKeyDown={onKeyDown}
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
          {options.map((r, i) => (
            <li
              key={r.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
            >
              <button type="button" tabIndex={-1} data-testid="picker-option" onMouseDown={() => pick(r)}>
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

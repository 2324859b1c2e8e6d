/**
 * A picker that searches on the server as one types (a name or email prefix), listing at most a
 * page of matches, each with its own button: usable at 100k members, and with the keyboard alone
 * (Tab to a result, Enter or Space to pick it).
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorNotice, useDebounced } from "./ui";

export interface PickerItem {
  readonly id: string;
  readonly label: string;
  readonly detail?: string;
}

export function SearchPicker(props: {
  id: string;
  label: string;
  hint: string;
  actionLabel: (item: PickerItem) => string;
  search: (q: string) => Promise<PickerItem[]>;
  onPick: (item: PickerItem) => void;
  disabled: boolean;
  describedBy?: string;
}): JSX.Element {
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 250);
  const [found, setFound] = useState<{ q: string; items: PickerItem[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { search } = props;
  useEffect(() => {
    if (q === "") {
      setFound(null);
      return;
    }
    let current = true;
    search(q).then(
      (items) => {
        if (!current) return;
        setError(null);
        setFound({ q, items });
      },
      (err: unknown) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [q, search]);
  const resultsId = `${props.id}-results`;
  return (
    <div class="picker">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="search"
        value={text}
        disabled={props.disabled}
        autocomplete="off"
        aria-describedby={[`${props.id}-hint`, props.describedBy].filter(Boolean).join(" ")}
        aria-controls={resultsId}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <span id={`${props.id}-hint`} class="hint">
        {props.hint}
      </span>
      {error !== null && <ErrorNotice error={error} />}
      <div id={resultsId} aria-live="polite">
        {found !== null &&
          (found.items.length === 0 ? (
            <p>Nothing starts with “{found.q}”.</p>
          ) : (
            <ul class="picker-results" aria-label={`Matches for ${found.q}`}>
              {found.items.map((item) => (
                <li key={item.id}>
                  <span class="picker-label">{item.label}</span>
                  {item.detail !== undefined && <span class="hint"> {item.detail}</span>}{" "}
                  <button
                    type="button"
                    disabled={props.disabled}
                    onClick={() => {
                      props.onPick(item);
                      setText("");
                    }}
                  >
                    {props.actionLabel(item)}
                  </button>
                </li>
              ))}
            </ul>
          ))}
      </div>
    </div>
  );
}

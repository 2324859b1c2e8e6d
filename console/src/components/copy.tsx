/** A value to paste elsewhere (a URL to register, a token to hand over), read-only, with a button that copies it. */
import type { ComponentChildren, JSX } from "preact";
import { useRef, useState } from "preact/hooks";

type Copied = "idle" | "copied" | "selected";

export function CopyField(props: { id: string; label: string; value: string; hint?: ComponentChildren; class?: string }): JSX.Element {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<Copied>("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied("copied");
    } catch {
      // Without clipboard access (an insecure origin, a refused permission) the text is selected for the keyboard's copy.
      input.current?.focus();
      input.current?.select();
      setCopied("selected");
    }
  };
  const hintId = props.hint === undefined ? undefined : `${props.id}-hint`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <div class="copy-row">
        <input id={props.id} ref={input} readOnly value={props.value} class={props.class} aria-describedby={hintId} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy<span class="visually-hidden"> {props.label}</span>
        </button>
      </div>
      {props.hint !== undefined && (
        <span id={hintId} class="hint">
          {props.hint}
        </span>
      )}
      <span class="hint" role="status">
        {copied === "copied" ? `${props.label} copied to the clipboard.` : copied === "selected" ? "The clipboard is not available here: the text is selected, press Ctrl+C (⌘C) to copy it." : ""}
      </span>
    </div>
  );
}

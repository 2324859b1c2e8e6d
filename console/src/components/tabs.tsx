/**
 * Tabs as the WAI-ARIA Authoring Practices describe them (automatic activation): one tab stop for
 * the tab list, Left/Right move between tabs and select them, Home/End go to the first and last;
 * each panel is labelled by its tab and can take focus.
 */
import type { ComponentChildren, JSX } from "preact";
import { useRef } from "preact/hooks";

export interface Tab {
  readonly id: string;
  readonly label: string;
  readonly panel: ComponentChildren;
}

export function Tabs(props: { label: string; idPrefix: string; tabs: readonly Tab[]; selected: string; onSelect(id: string): void }): JSX.Element {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const index = Math.max(0, props.tabs.findIndex((t) => t.id === props.selected));
  const select = (to: number) => {
    const count = props.tabs.length;
    const next = ((to % count) + count) % count;
    const tab = props.tabs[next];
    if (tab === undefined) return;
    props.onSelect(tab.id);
    refs.current[next]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: props.tabs.length - 1 };
    const to = moves[event.key];
    if (to === undefined) return;
    event.preventDefault();
    select(to);
  };
  const tabId = (id: string) => `${props.idPrefix}-tab-${id}`;
  const panelId = (id: string) => `${props.idPrefix}-panel-${id}`;
  return (
    <div class="tabs">
      <div role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
        {props.tabs.map((tab, i) => {
          const selected = i === index;
          return (
            <button
              key={tab.id}
              ref={(el) => {
                refs.current[i] = el;
              }}
              type="button"
              role="tab"
              id={tabId(tab.id)}
              aria-selected={selected}
              aria-controls={panelId(tab.id)}
              tabIndex={selected ? 0 : -1}
              onClick={() => props.onSelect(tab.id)}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      {props.tabs.map((tab, i) => (
        <div key={tab.id} role="tabpanel" id={panelId(tab.id)} aria-labelledby={tabId(tab.id)} tabIndex={0} hidden={i !== index} class="tabpanel">
          {tab.panel}
        </div>
      ))}
    </div>
  );
}

import type { SlashActions, SlashItem } from './slashItems';

/** What the / menu shows. */
export interface SlashMenuSnapshot {
  open: boolean;
  query: string;
  items: SlashItem[];
  /** The highlighted item (Enter chooses it). */
  index: number;
}

const CLOSED: SlashMenuSnapshot = { open: false, query: '', items: [], index: 0 };

/** The id of the menu's list, for `aria-controls` on the editor. */
export const SLASH_LIST_ID = 'slash-menu-list';

/** The id of item `index`, for `aria-activedescendant` on the editor. */
export const slashOptionId = (index: number) => `slash-menu-option-${index}`;

/**
 * The state of one editor's / menu, between the suggestion plugin (which opens, updates and closes
 * it and forwards the keys) and the list that renders it (loaded only when first needed). The
 * editor keeps focus while the menu is open, so it carries the combobox attributes that tell
 * assistive technology which item is highlighted.
 */
export class SlashMenuStore {
  private snapshot: SlashMenuSnapshot = CLOSED;
  private readonly listeners = new Set<() => void>();
  private choose: ((item: SlashItem) => void) | null = null;
  private editorElement: HTMLElement | null = null;
  /** The element the list renders into; the suggestion plugin places it at the caret. */
  readonly element: HTMLElement | null = typeof document === 'undefined' ? null : document.createElement('div');

  constructor(readonly actions: SlashActions) {
    this.element?.classList.add('slash-menu-anchor');
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SlashMenuSnapshot => this.snapshot;

  /** The menu opened or its query changed. */
  show(query: string, items: SlashItem[], choose: (item: SlashItem) => void, editorElement: HTMLElement): void {
    this.choose = choose;
    this.editorElement = editorElement;
    const index = this.snapshot.open && this.snapshot.query === query ? Math.min(this.snapshot.index, Math.max(0, items.length - 1)) : 0;
    this.set({ open: true, query, items, index });
  }

  hide(): void {
    this.choose = null;
    this.set(CLOSED);
  }

  /** Highlights item `index`. */
  highlight(index: number): void {
    if (this.snapshot.open && index >= 0 && index < this.snapshot.items.length) this.set({ ...this.snapshot, index });
  }

  /** Inserts item `index` (a click on it). */
  chooseAt(index: number): void {
    const item = this.snapshot.items[index];
    if (item) this.choose?.(item);
  }

  /** Keys typed in the editor while the menu is open; true when the menu used the key. */
  handleKey(event: KeyboardEvent): boolean {
    const { open, items, index } = this.snapshot;
    if (!open || items.length === 0) return false;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.highlight((index + step + items.length) % items.length);
      return true;
    }
    if (event.key === 'Enter' || event.key === 'Tab') {
      this.chooseAt(index);
      return true;
    }
    return false;
  }

  private set(snapshot: SlashMenuSnapshot): void {
    this.snapshot = snapshot;
    const editor = this.editorElement;
    if (editor) {
      if (snapshot.open) {
        editor.setAttribute('aria-controls', SLASH_LIST_ID);
        editor.setAttribute('aria-expanded', 'true');
        if (snapshot.items.length > 0) editor.setAttribute('aria-activedescendant', slashOptionId(snapshot.index));
        else editor.removeAttribute('aria-activedescendant');
      } else {
        for (const name of ['aria-controls', 'aria-expanded', 'aria-activedescendant']) editor.removeAttribute(name);
      }
    }
    for (const listener of this.listeners) listener();
  }
}

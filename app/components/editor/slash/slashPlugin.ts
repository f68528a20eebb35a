import type { Editor } from '@tiptap/core';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { type Plugin, PluginKey } from '@tiptap/pm/state';
import Suggestion from '@tiptap/suggestion';
import type { SlashMenuStore } from './SlashMenuStore';
import { filterSlashItems, type SlashItem } from './slashItems';

/** The / menu plugin's key (to unregister it). */
export const slashKey = new PluginKey('slashCommands');

/**
 * The / insert menu: "/" typed at the start of a block or after a space opens a filterable list
 * of blocks (Tiptap's suggestion plugin finds the trigger and the query). Not in code, not for
 * people who may not edit, and never opened by someone else's typing arriving. Registered on a
 * live editor (this module and the suggestion plugin are not part of the editor's first load),
 * ahead of the other plugins so that Enter and the arrows reach the menu before the editor's
 * own keys.
 */
export function registerSlashMenu(editor: Editor, store: SlashMenuStore): () => void {
  const plugin: Plugin = Suggestion<SlashItem, SlashItem>({
    editor,
    pluginKey: slashKey,
    char: '/',
    allow: ({ editor: current, state, range }) => {
      const $from = state.doc.resolve(range.from);
      return current.isEditable && !$from.parent.type.spec.code && !$from.marks().some((mark) => mark.type.spec.code);
    },
    shouldShow: ({ transaction }) => !isChangeOrigin(transaction),
    items: ({ query }) => filterSlashItems(query),
    command: ({ editor: current, range, props }) => props.run(current, range, store.actions),
    render: () => {
      let unmount: (() => void) | undefined;
      return {
        onStart: (props) => {
          store.show(props.query, props.items, props.command, props.editor.view.dom);
          if (store.element) unmount = props.mount(store.element);
        },
        onUpdate: (props) => store.show(props.query, props.items, props.command, props.editor.view.dom),
        onKeyDown: ({ event }) => store.handleKey(event),
        onExit: () => {
          unmount?.();
          unmount = undefined;
          store.hide();
        },
      };
    },
  });
  editor.registerPlugin(plugin, (added, plugins) => [added, ...plugins]);
  return () => {
    if (!editor.isDestroyed) editor.unregisterPlugin(slashKey);
  };
}

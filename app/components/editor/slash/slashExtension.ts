import { Extension } from '@tiptap/core';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { PluginKey } from '@tiptap/pm/state';
import Suggestion from '@tiptap/suggestion';
import type { SlashMenuStore } from './SlashMenuStore';
import { filterSlashItems, type SlashItem } from './slashItems';

/**
 * The / insert menu: "/" typed at the start of a block or after a space opens a filterable list
 * of blocks (Tiptap's suggestion plugin finds the trigger and the query). Not in code, not for
 * people who may not edit, and never opened by someone else's typing arriving.
 */
export const SlashCommands = Extension.create<{ store: SlashMenuStore | null }>({
  name: 'slashCommands',

  addOptions() {
    return { store: null };
  },

  addProseMirrorPlugins() {
    const store = this.options.store;
    if (!store) return [];
    return [
      Suggestion<SlashItem, SlashItem>({
        editor: this.editor,
        pluginKey: new PluginKey('slashCommands'),
        char: '/',
        allow: ({ editor, state, range }) => {
          const $from = state.doc.resolve(range.from);
          return editor.isEditable && !$from.parent.type.spec.code && !$from.marks().some((mark) => mark.type.spec.code);
        },
        shouldShow: ({ transaction }) => !isChangeOrigin(transaction),
        items: ({ query }) => filterSlashItems(query),
        command: ({ editor, range, props }) => props.run(editor, range, store.actions),
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
      }),
    ];
  },
});

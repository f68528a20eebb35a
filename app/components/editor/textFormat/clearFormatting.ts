import { Extension } from '@tiptap/core';

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    clearFormatting: {
      /** Removes character formatting (not links or comments) and the indent of the selected paragraphs and headings. */
      clearFormatting: () => ReturnType;
    };
  }
}

/** The character formatting "Clear formatting" removes; links and comment anchors are content, not formatting, and stay. */
export const CLEARED_MARKS = ['bold', 'italic', 'underline', 'strike', 'code', 'highlight', 'textStyle'];

/** "Clear formatting" (Mod+\, as Google Docs): character formatting off, indent removed. */
export const ClearFormatting = Extension.create({
  name: 'clearFormatting',

  addCommands() {
    return {
      clearFormatting:
        () =>
        ({ state, tr, dispatch }) => {
          const { from, to, empty } = state.selection;
          for (const name of CLEARED_MARKS) {
            const type = state.schema.marks[name];
            if (!type) continue;
            if (empty) tr.removeStoredMark(type);
            else tr.removeMark(from, to, type);
          }
          state.doc.nodesBetween(from, to, (node, pos) => {
            if (node.attrs.indent !== undefined && node.attrs.indent !== null) tr.setNodeAttribute(pos, 'indent', null);
            return true;
          });
          dispatch?.(tr);
          return true;
        },
    };
  },

  addKeyboardShortcuts() {
    return { 'Mod-\\': () => this.editor.commands.clearFormatting() };
  },
});

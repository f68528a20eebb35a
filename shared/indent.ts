import { Extension, getStyleProperty } from '@tiptap/core';
import { INDENT_STEP_PT, MAX_INDENT } from './formatPalette';

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    indent: {
      /** One step deeper: paragraphs and headings of the selection, or the list item (nested). */
      indent: () => ReturnType;
      /** One step back: paragraphs and headings of the selection, or the list item (lifted). */
      outdent: () => ReturnType;
    };
  }
}

const LIST_ITEMS = ['listItem', 'taskItem'];

/** The indent a CSS `margin-left` stands for (pt or px, whole steps), or null when it stands for none. */
function indentOfMargin(margin: string | null): number | null {
  const match = margin && /^\s*(\d+(?:\.\d+)?)\s*(pt|px)\s*$/i.exec(margin);
  if (!match) return null;
  const points = Number(match[1]) * (match[2].toLowerCase() === 'px' ? 0.75 : 1);
  return Math.round(points / INDENT_STEP_PT);
}

/**
 * Paragraph and heading indent, as Google Docs: `indent` steps of half an inch (null for none, 1
 * to `MAX_INDENT`), Mod+] and Mod+[. In a list those keys nest and lift the item instead (as Tab and
 * Shift+Tab do), so a list keeps one way of nesting. The attribute's rule is in
 * `shared/attributeRules.ts`; `SafeIndent` (`shared/safeExtensions.ts`) is what the schema uses.
 */
export const Indent = Extension.create<{ types: string[] }>({
  name: 'indent',

  addOptions() {
    return { types: ['paragraph', 'heading'] };
  },

  addGlobalAttributes() {
    return [
      {
        types: this.options.types,
        attributes: {
          indent: {
            // Null, not 0: y-tiptap stores every attribute that is not null on every paragraph.
            default: null,
            parseHTML: (element) => {
              const data = element.getAttribute('data-indent');
              if (data !== null) return data;
              return indentOfMargin(getStyleProperty(element, 'margin-left')) || null;
            },
            renderHTML: (attributes) => {
              const indent = attributes.indent;
              if (typeof indent !== 'number' || indent <= 0) return {};
              return { 'data-indent': String(indent), style: `margin-left: ${indent * INDENT_STEP_PT}pt` };
            },
          },
        },
      },
    ];
  },

  addCommands() {
    const shift =
      (by: number) =>
      () =>
      ({ state, tr, dispatch, commands }: import('@tiptap/core').CommandProps) => {
        const { $from } = state.selection;
        for (let depth = $from.depth; depth > 0; depth--) {
          const name = $from.node(depth).type.name;
          if (LIST_ITEMS.includes(name)) return by > 0 ? commands.sinkListItem(name) : commands.liftListItem(name);
        }
        let changed = false;
        const { from, to } = state.selection;
        state.doc.nodesBetween(from, to, (node, pos, parent) => {
          if (!this.options.types.includes(node.type.name)) return true;
          // A paragraph of a list item moves with its item, not on its own.
          if (parent && LIST_ITEMS.includes(parent.type.name)) return false;
          const current = typeof node.attrs.indent === 'number' ? node.attrs.indent : 0;
          const next = Math.min(MAX_INDENT, Math.max(0, current + by));
          if (next !== current) {
            tr.setNodeAttribute(pos, 'indent', next === 0 ? null : next);
            changed = true;
          }
          return false;
        });
        if (changed) dispatch?.(tr);
        return changed;
      };
    return { indent: shift(1), outdent: shift(-1) };
  },

  addKeyboardShortcuts() {
    return {
      'Mod-]': () => this.editor.commands.indent(),
      'Mod-[': () => this.editor.commands.outdent(),
    };
  },
});

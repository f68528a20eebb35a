import type { AnyExtension, Node as TiptapNode } from '@tiptap/core';

/**
 * A bulleted list right after another bulleted list, written with `*` instead of `-`: Markdown
 * joins two lists with the same bullet into one (a blank line between them only makes it loose),
 * and a change of bullet character is what starts a new list. Without it, two lists exported
 * one after the other came back as one.
 */
export function withSeparatedBulletLists(bulletList: AnyExtension): AnyExtension {
  return (bulletList as TiptapNode).extend({
    renderMarkdown(node, helpers, context) {
      const { parent } = this as unknown as { parent?: (...args: [typeof node, typeof helpers, typeof context]) => string };
      const rendered = parent?.(node, helpers, context) ?? '';
      // Only the list's own items start a line with their marker; everything inside them is indented.
      return context.previousNode?.type === 'bulletList' ? rendered.replace(/^- /gm, '* ') : rendered;
    },
  });
}

/** A task item with no text: its marker alone on a line. */
const EMPTY_TASK_ITEM = /^([ \t]*[-+*][ \t]+\[[ xX]\])[ \t]*$/;
const FENCE = /^[ \t]*(`{3,}|~{3,})/;

/**
 * `markdown` with a space after each empty task item's `[ ]` or `[x]`: Tiptap's task-list reader
 * needs whitespace after the box, and editors strip it from line ends, so an empty item read as a
 * bullet with the text "[ ]" (or, before another item, broke the import). Lines in fenced code
 * are left alone.
 */
export function withEmptyTaskItemsSpaced(markdown: string): string {
  if (!markdown.includes(']')) return markdown;
  let fence: string | null = null;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = FENCE.exec(line)?.[1];
      if (marker && (fence === null || marker.startsWith(fence))) {
        fence = fence === null ? marker : null;
        return line;
      }
      if (fence !== null) return line;
      const empty = EMPTY_TASK_ITEM.exec(line);
      return empty ? `${empty[1]} ` : line;
    })
    .join('\n');
}

import type { JSONContent } from '@tiptap/core';
import { Extension } from '@tiptap/core';
import { Node, type Node as ProseMirrorNode } from '@tiptap/pm/model';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { diffDocuments } from '../../../shared/documentDiff';

/** What a comparison found, for the legend. */
export interface DiffSummary {
  insertions: number;
  deletions: number;
}

const key = new PluginKey<DecorationSet>('versionDiff');

/**
 * Shows, in a read-only editor holding the newer document, what changed since `older` (the JSON of
 * an earlier version): inserted content is highlighted, deleted content is shown struck through
 * where it was. The diff is computed against the editor's own document, so positions always match.
 */
export function diffHighlight(older: JSONContent, onSummary?: (summary: DiffSummary) => void) {
  return Extension.create({
    name: 'versionDiff',
    addProseMirrorPlugins() {
      return [
        new Plugin<DecorationSet>({
          key,
          state: {
            init: (_, state) => {
              const { decorations, summary } = buildDecorations(Node.fromJSON(state.schema, older), state.doc);
              onSummary?.(summary);
              return decorations;
            },
            apply: (transaction, decorations) => decorations.map(transaction.mapping, transaction.doc),
          },
          props: { decorations: (state) => key.getState(state) },
        }),
      ];
    },
  });
}

function buildDecorations(before: ProseMirrorNode, after: ProseMirrorNode): { decorations: DecorationSet; summary: DiffSummary } {
  const decorations: Decoration[] = [];
  let insertions = 0;
  let deletions = 0;
  for (const change of diffDocuments(before, after)) {
    if (change.toB > change.fromB) {
      insertions += 1;
      decorations.push(Decoration.inline(change.fromB, change.toB, { class: 'diff-inserted' }));
      // Content without text (an image, a rule) is marked as a whole.
      after.nodesBetween(change.fromB, change.toB, (node, position) => {
        if (node.isAtom && !node.isText && position >= change.fromB && position + node.nodeSize <= change.toB) {
          decorations.push(Decoration.node(position, position + node.nodeSize, { class: 'diff-inserted-node' }));
        }
      });
    }
    if (change.toA > change.fromA) {
      deletions += 1;
      const text = before.textBetween(change.fromA, change.toA, '\n', '▢');
      const inline = after.resolve(change.fromB).parent.inlineContent;
      decorations.push(
        Decoration.widget(
          change.fromB,
          () => {
            const element = document.createElement(inline ? 'del' : 'div');
            element.className = inline ? 'diff-deleted' : 'diff-deleted diff-deleted-block';
            element.textContent = text || '(formatting or an element without text)';
            element.setAttribute('title', 'Deleted since this version');
            return element;
          },
          { side: -1, key: `deleted-${change.fromA}-${change.toA}`, ignoreSelection: true },
        ),
      );
    }
  }
  return { decorations: DecorationSet.create(after, decorations), summary: { insertions, deletions } };
}

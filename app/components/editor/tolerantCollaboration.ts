import Collaboration from '@tiptap/extension-collaboration';
import { Fragment, type Node, type Schema, Slice } from '@tiptap/pm/model';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { readBodyChild } from '../../../shared/bodyReader';
import { undoStopsAtRestore } from './undoStopsAtRestore';

/**
 * Tiptap's Collaboration extension, reading the document through Quire's tolerant reader
 * (`shared/bodyReader.ts`) instead of y-tiptap's ([R4] in `shared/SCHEMA-RULES.md`).
 *
 * y-tiptap turns the shared body into ProseMirror nodes itself, and where it cannot (an unknown
 * node, bare text in the body, an unknown mark) it deletes the Y content, on every client; where
 * it can but the result breaks the schema (a paragraph in a paragraph, an empty list) the invalid
 * document reaches ProseMirror, and the next keystroke writes the editor's much smaller view back
 * over the whole body. Its binding reads every node through its mapping (Y type → node) first and
 * converts only what the mapping lacks; `TolerantMapping` never lacks a top-level child: it reads
 * each one with the tolerant reader, so y-tiptap's converter never runs, nothing is deleted, and
 * what the editor shows is always valid. Valid content maps to itself, so nothing is written back;
 * only a part the reader had to change is written, as the editor shows it, once someone edits it.
 *
 * Its undo history also stops at every restore of a version (`undoStopsAtRestore.ts`), so every
 * editor with Quire's collaboration gets that too.
 */
export const TolerantCollaboration = Collaboration.extend({
  addProseMirrorPlugins() {
    const fragment: Y.XmlFragment = this.options.fragment ?? (this.options.document as Y.Doc).getXmlFragment(this.options.field);
    const mapping = new TolerantMapping(this.editor.schema, fragment);
    // With a mapping given, y-tiptap skips its own first rendering (which would convert with its
    // reader); `firstRender` below does it with this one.
    this.options.ySyncOptions = { ...this.options.ySyncOptions, mapping };
    return [...(this.parent?.() ?? []), firstRender(fragment, mapping), undoStopsAtRestore(fragment.doc as Y.Doc)];
  },
});

// biome-ignore lint/suspicious/noExplicitAny: the map y-tiptap takes is keyed by Y types of any event type.
type AnyYType = Y.AbstractType<any>;

/**
 * The binding's mapping between Y types and ProseMirror nodes, filling itself for any top-level
 * child of the body it is asked about (and, while reading it, for the elements inside it).
 */
export class TolerantMapping extends Map<AnyYType, Node | Node[]> {
  /** Top-level children read as nothing to show (an empty list, say). */
  private nothing = new WeakSet<object>();

  constructor(
    private readonly schema: Schema,
    private readonly fragment: Y.XmlFragment,
  ) {
    super();
  }

  get(type: AnyYType): Node | Node[] | undefined {
    // A body can hold plain values among its elements (only by a client ignoring the schema):
    // a string is shown as a paragraph of its text, anything else not at all.
    if (typeof type !== 'object' || type === null || !('_item' in type)) {
      const text = typeof type === 'string' && type !== '' ? this.schema.text(type) : null;
      return (text ? this.schema.nodes.paragraph.create(null, text) : null) as Node | undefined;
    }
    const known = super.get(type);
    if (known !== undefined || !this.isTopLevel(type)) return known;
    // y-tiptap leaves out a top-level child whose node is null; the map's type has no room for it.
    if (this.nothing.has(type)) return null as unknown as undefined;
    const node = this.asOne(readBodyChild(type, this.schema, { kept: (element, kept) => super.set(element, kept) }));
    if (node) super.set(type, node);
    else this.nothing.add(type);
    return (node ?? null) as Node | undefined;
  }

  delete(type: AnyYType): boolean {
    this.nothing.delete(type);
    return super.delete(type);
  }

  clear(): void {
    this.nothing = new WeakSet();
    super.clear();
  }

  private isTopLevel(type: unknown): boolean {
    const item = (type as { _item?: Y.Item | null } | null)?._item;
    return item !== undefined && item !== null && item.parent === this.fragment;
  }

  /**
   * y-tiptap takes one node per top-level child. An element of unknown type can stand for several
   * blocks; until the server repairs the body they are shown in one quotation, so all their text
   * is there.
   */
  private asOne(nodes: Node[]): Node | null {
    if (nodes.length <= 1) return nodes[0] ?? null;
    const quote = this.schema.nodes.blockquote;
    return quote ? quote.create(null, Fragment.fromArray(nodes)) : nodes[0];
  }
}

/** Shows the body as it is when the editor opens, read through `mapping`, without writing anything. */
function firstRender(fragment: Y.XmlFragment, mapping: TolerantMapping): Plugin {
  return new Plugin({
    key: new PluginKey('tolerantFirstRender'),
    view: (view) => {
      const binding = ySyncPluginKey.getState(view.state)?.binding;
      if (binding) {
        binding.mux(() => {
          mapping.clear();
          const content = fragment
            .toArray()
            .map((child) => mapping.get(child as AnyYType))
            .filter((node): node is Node => node !== null && node !== undefined && !Array.isArray(node));
          // An empty body stays the editor's one empty paragraph.
          if (content.length === 0) return;
          const tr = view.state.tr.replace(0, view.state.doc.content.size, new Slice(Fragment.from(content), 0, 0));
          // Marked as coming from Yjs, so the binding does not write it back.
          view.dispatch(tr.setMeta(ySyncPluginKey, { isChangeOrigin: true, binding }).setMeta('addToHistory', false));
        });
      }
      return {};
    },
  });
}

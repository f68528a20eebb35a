import type { Attributes, GlobalAttributes, Node as TiptapNode } from '@tiptap/core';
import CodeBlock from '@tiptap/extension-code-block';
import Highlight from '@tiptap/extension-highlight';
import Image from '@tiptap/extension-image';
import Link from '@tiptap/extension-link';
import { OrderedList, TaskItem } from '@tiptap/extension-list';
import { Table, TableCell, TableHeader, TableView } from '@tiptap/extension-table';
import TextAlign from '@tiptap/extension-text-align';
import { Color, FontSize } from '@tiptap/extension-text-style';
import { Fragment, type Node } from '@tiptap/pm/model';
import type { EditorView } from '@tiptap/pm/view';
import { attributeRulesOf, LINK_REL, MAX_TABLE_SPAN, normalizeAttribute, safeLinkHref } from './attributeRules';
import { Indent } from './indent';

/**
 * The schema's extensions whose attributes reach HTML, each passing every value through its rule
 * (`shared/attributeRules.ts`, [V6] in `shared/SCHEMA-RULES.md`) when it parses HTML (a paste, an
 * import) and when it renders (the editor's DOM, the HTML export): a value stored before the rules
 * existed, or written by a client that ignores them, is rendered as its closest valid value and
 * never reaches `style`, `href`, `src`, `target`, `rel` or `class` as it was.
 */

/** `attributes` (an extension's), each parsed from HTML and rendered through the rule of `typeName`'s attribute. */
export function ruledAttributes(kind: 'node' | 'mark', typeName: string, attributes: Attributes): Attributes {
  const rules = attributeRulesOf(kind, typeName);
  const result: Attributes = {};
  for (const [name, spec] of Object.entries(attributes)) {
    if (!Object.hasOwn(rules, name)) {
      result[name] = spec;
      continue;
    }
    const normalize = (value: unknown) => normalizeAttribute(kind, typeName, name, value);
    result[name] = {
      ...spec,
      parseHTML: (element) => {
        // What Tiptap does without a parseHTML: the attribute, numbers and booleans read as such.
        const raw = spec.parseHTML ? spec.parseHTML(element) : fromString(element.getAttribute(name));
        return raw === null || raw === undefined ? raw : normalize(raw);
      },
      renderHTML: (attrs) => {
        const value = normalize(attrs[name]);
        return spec.renderHTML ? spec.renderHTML({ ...attrs, [name]: value }) : { [name]: value };
      },
    };
  }
  return result;
}

function fromString(value: string | null): unknown {
  if (value === null) return null;
  if (/^[+-]?(?:\d*\.)?\d+$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** `parent`'s global attributes (an extension's), each parsed and rendered through the rule of `typeName`'s attribute. */
function ruledGlobalAttributes(kind: 'node' | 'mark', typeName: string, parent: GlobalAttributes): GlobalAttributes {
  return parent.map((group) => ({ ...group, attributes: ruledAttributes(kind, typeName, group.attributes as Attributes) }));
}

/** Text alignment of paragraphs and headings: only left, center, right or justify reach `style`. */
export const SafeTextAlign = TextAlign.extend({
  addGlobalAttributes() {
    return ruledGlobalAttributes('node', 'paragraph', (this.parent?.() ?? []) as GlobalAttributes);
  },
});

/** Indent of paragraphs and headings: only a whole number of steps from 0 to 8 reaches `style`. */
export const SafeIndent = Indent.extend({
  addGlobalAttributes() {
    return ruledGlobalAttributes('node', 'paragraph', (this.parent?.() ?? []) as GlobalAttributes);
  },
});

/** Text colour (on the `textStyle` mark): only `#rrggbb` reaches `style`. */
export const SafeColor = Color.extend({
  addGlobalAttributes() {
    return ruledGlobalAttributes('mark', 'textStyle', (this.parent?.() ?? []) as GlobalAttributes);
  },
});

/** Font size (on the `textStyle` mark): only a bounded size in points reaches `style`. */
export const SafeFontSize = FontSize.extend({
  addGlobalAttributes() {
    return ruledGlobalAttributes('mark', 'textStyle', (this.parent?.() ?? []) as GlobalAttributes);
  },
});

/** Highlights in any colour of the palette (or none: the default highlight); only `#rrggbb` reaches `style`. */
export const SafeHighlight = Highlight.extend({
  addAttributes() {
    return ruledAttributes('mark', 'highlight', (this.parent?.() ?? {}) as Attributes);
  },
}).configure({ multicolor: true });

/**
 * Links: only safe addresses, `rel="noopener noreferrer nofollow"` always, a target of `_blank`
 * or none, and no class, whatever the mark holds.
 */
export const SafeLink = Link.extend({
  addAttributes() {
    return ruledAttributes('mark', 'link', (this.parent?.() ?? {}) as Attributes);
  },
  renderHTML({ HTMLAttributes }) {
    const href = safeLinkHref(HTMLAttributes.href) ?? '';
    const title = normalizeAttribute('mark', 'link', 'title', HTMLAttributes.title ?? null);
    return ['a', { target: HTMLAttributes.target === '_blank' ? '_blank' : null, rel: LINK_REL, href, title }, 0];
  },
});

/** `extension` (a node) with every attribute parsed and rendered through its rule. */
function withRuledAttributes<T extends TiptapNode>(extension: T): T {
  return extension.extend({
    addAttributes() {
      return ruledAttributes('node', extension.name, (this.parent?.() ?? {}) as Attributes);
    },
  }) as T;
}

/** Images: an http(s) or same-origin address, bounded sizes and texts. */
export const SafeImage = withRuledAttributes(Image);

/** Code blocks: the language (which becomes a class name) is one word or nothing. */
export const SafeCodeBlock = withRuledAttributes(CodeBlock).extend({
  renderHTML({ node, HTMLAttributes }) {
    const language = normalizeAttribute('node', 'codeBlock', 'language', node.attrs.language);
    const safe = language === node.attrs.language ? node : node.type.create({ ...node.attrs, language }, node.content, node.marks);
    return this.parent?.({ node: safe, HTMLAttributes }) ?? ['pre', ['code', 0]];
  },
});

/** Numbered lists: a whole-number start and a list type of 1, a, A, i or I. */
export const SafeOrderedList = withRuledAttributes(OrderedList);

/** Check list items: checked is true or false. */
export const SafeTaskItem = withRuledAttributes(TaskItem);

/** Table cells and header cells: bounded spans and widths, an alignment of left, center or right. */
export const SafeTableCell = withRuledAttributes(TableCell);

export const SafeTableHeader = withRuledAttributes(TableHeader);

/** Most columns a table's column widths are computed for (the rest get no width). */
export const MAX_TABLE_COLUMNS = MAX_TABLE_SPAN;

/**
 * `table` as its column widths should be computed: Tiptap reads the spans and widths of the
 * first row into `<col style="width: …">` and loops over every spanned column, so those values
 * are made valid and the columns bounded first. The table itself when nothing needs changing.
 */
export function withSafeColumns(table: Node): Node {
  const row = table.firstChild;
  if (!row) return table;
  let columns = 0;
  let safe = true;
  row.forEach((cell) => {
    const colspan = normalizeAttribute('node', cell.type.name, 'colspan', cell.attrs.colspan);
    const colwidth = normalizeAttribute('node', cell.type.name, 'colwidth', cell.attrs.colwidth);
    columns += colspan as number;
    if (colspan !== cell.attrs.colspan || colwidth !== cell.attrs.colwidth) safe = false;
  });
  if (safe && columns <= MAX_TABLE_COLUMNS) return table;
  const cells: Node[] = [];
  let left = MAX_TABLE_COLUMNS;
  row.forEach((cell) => {
    if (left <= 0) return;
    const colspan = Math.min(left, normalizeAttribute('node', cell.type.name, 'colspan', cell.attrs.colspan) as number);
    const colwidth = normalizeAttribute('node', cell.type.name, 'colwidth', cell.attrs.colwidth);
    left -= colspan;
    cells.push(cell.type.create({ ...cell.attrs, colspan, colwidth }, cell.content, cell.marks));
  });
  const rows: Node[] = [row.type.create(row.attrs, Fragment.fromArray(cells), row.marks)];
  for (let i = 1; i < table.childCount; i++) rows.push(table.child(i));
  return table.type.create(table.attrs, Fragment.fromArray(rows), table.marks);
}

/** Tiptap's table node view, computing its columns from `withSafeColumns`. */
class SafeTableView extends TableView {
  constructor(node: Node, cellMinWidth: number, view: EditorView, HTMLAttributes?: Record<string, unknown>) {
    super(withSafeColumns(node), cellMinWidth, view, HTMLAttributes);
  }

  update(node: Node): boolean {
    return super.update(withSafeColumns(node));
  }
}

/** Tables: column widths computed from valid spans and widths only. */
export const SafeTable = Table.extend({
  addOptions() {
    return { ...(this.parent?.() as ReturnType<NonNullable<typeof Table.config.addOptions>>), View: SafeTableView };
  },
  renderHTML({ node, HTMLAttributes }) {
    return this.parent?.({ node: withSafeColumns(node), HTMLAttributes }) ?? ['table', ['tbody', 0]];
  },
});

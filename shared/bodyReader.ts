import { Fragment, type Mark, type Node, type NodeType, type Schema } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { normalizeAttributes } from './attributeRules';
import { MAX_DEPTH } from './schemaRules';

/**
 * Reads a document body (a Y.XmlFragment) as a ProseMirror document that is always valid for the
 * schema, whatever the fragment holds ([R1] in `shared/SCHEMA-RULES.md`). It never changes the
 * Y.Doc and never throws on content: every valid node is kept as it is, and what the schema does
 * not allow becomes the closest valid form, keeping its text. Bare text in the body is wrapped in
 * a paragraph, an element of an unknown type gives up its content to its parent, a paragraph
 * inside a paragraph is lifted into it, a list item that does not start with a paragraph gets an
 * empty one, a list without items gets an empty one, an invalid attribute takes its closest valid
 * value, a link with an unsafe address becomes plain text. Each such change is reported.
 *
 * (y-tiptap's own reader deletes from the Y.Doc what it cannot convert, and lets invalid nodes
 * into ProseMirror, which later writes its own, smaller, document back over the body.)
 */

/** Something in a stored body the schema does not allow, and what reading made of it. */
export interface BodyProblem {
  /** The rule of `shared/SCHEMA-RULES.md` it breaks. */
  rule: string;
  /** Where: child indexes from the body down, like `3/0/1`. */
  path: string;
  message: string;
}

export interface ReadOptions {
  /**
   * Told of each Y element read as exactly one node of its own type (its attributes possibly made
   * valid): the pairs the editor's binding maps between the two documents.
   */
  kept?(element: Y.XmlElement, node: Node): void;
  /** Stop collecting problems after this many (reading goes on); default 100. */
  maxProblems?: number;
}

/** The body of a document as a valid ProseMirror document, and what had to change to make it one. */
export interface BodyReading {
  node: Node;
  problems: BodyProblem[];
}

/** Reads `fragment` (a document body) with `schema`. An empty body is an empty `doc` node (no children). */
export function readBody(fragment: Y.XmlFragment, schema: Schema, options: ReadOptions = {}): BodyReading {
  const reader = new BodyReader(schema, options);
  const top = schema.topNodeType;
  const content = reader.fit(top, reader.candidates(fragment, top, '', 1), '', { fillEnd: false });
  let node = top.create(null, Fragment.fromArray(content));
  try {
    node.check();
  } catch (error) {
    // Never expected (every step above keeps to the schema); if it happens, the text survives.
    reader.problem('R1', '', `reading produced an invalid document (${(error as Error).message}); only its text is kept`);
    node = top.create(null, reader.textParagraphs(fragment));
  }
  return { node, problems: reader.problems };
}

/**
 * Reads one child of the body as the nodes it stands for at the top level: usually one node,
 * none for something with nothing to show, several for an element of unknown type.
 */
export function readBodyChild(child: unknown, schema: Schema, options: ReadOptions = {}): Node[] {
  const reader = new BodyReader(schema, options);
  const top = schema.topNodeType;
  return reader.fit(top, reader.candidatesOf(child, top, '0', 1), '0', { fillEnd: false });
}

/** Y.XmlText formatting names carry a `--<hash>` suffix for marks that may overlap themselves (y-prosemirror). */
const OVERLAP_SUFFIX = /--[a-zA-Z0-9+/=]{8}$/;

/** The mark a Y.XmlText formatting key stands for. */
export function markNameOf(key: string): string {
  return key.replace(OVERLAP_SUFFIX, '');
}

/** The steps of reading, for the server's repair (`collab-server/schema/repairBody.ts`), which reads parts of a body as this does. */
export class BodyReader {
  readonly problems: BodyProblem[] = [];
  private readonly maxProblems: number;

  constructor(
    private readonly schema: Schema,
    private readonly options: ReadOptions,
  ) {
    this.maxProblems = options.maxProblems ?? 100;
  }

  problem(rule: string, path: string, message: string): void {
    if (this.problems.length < this.maxProblems) this.problems.push({ rule, path, message });
  }

  /** The nodes the children of `parent` stand for, not yet fitted to `context`. */
  candidates(parent: Y.XmlFragment | Y.XmlElement, context: NodeType, path: string, depth: number): Node[] {
    const nodes: Node[] = [];
    parent.toArray().forEach((child, index) => {
      nodes.push(...this.candidatesOf(child, context, join(path, index), depth));
    });
    return nodes;
  }

  candidatesOf(child: unknown, context: NodeType, path: string, depth: number): Node[] {
    if (child instanceof Y.XmlText) return this.textNodes(child, path);
    if (child instanceof Y.XmlElement) return this.elementNodes(child, context, path, depth);
    // Content a Y.XmlFragment should never hold: a string survives as text, anything else is dropped.
    if (typeof child === 'string') {
      this.problem('G2', path, 'the body holds a bare string instead of a text; it is read as text');
      return child === '' ? [] : [this.schema.text(child)];
    }
    this.problem('G2', path, `the body holds ${describeChild(child)}, which is not an element or a text; it is left out`);
    return [];
  }

  private elementNodes(element: Y.XmlElement, context: NodeType, path: string, depth: number): Node[] {
    const name = element.nodeName;
    const type = Object.hasOwn(this.schema.nodes, name) ? this.schema.nodes[name] : undefined;
    // At the deepest level only text may be held: a node holding blocks gives way to its text.
    if (depth > MAX_DEPTH || (depth === MAX_DEPTH && !(type?.inlineContent || type?.isLeaf))) {
      this.problem('G8', path, `elements are nested deeper than ${MAX_DEPTH}; what lies deeper is kept as its text`);
      return [...this.textParagraphs(element).content];
    }
    if (!type || type.isText || type === this.schema.topNodeType) {
      this.problem('G3', path, `"${name}" is not a node type of the schema; its content is kept in its place`);
      return this.candidates(element, context, path, depth + 1);
    }
    const { attrs, changed } = normalizeAttributes('node', name, element.getAttributes() as Record<string, unknown>);
    if (changed) this.problem('G6', path, `attributes of "${name}" were not valid (${describeAttributes(element)}); the closest valid ones are used`);
    if (type.isLeaf) {
      if (element.length > 0) this.problem('G4', path, `"${name}" may not hold content; its content is left out`);
      return [this.keep(element, type.create(attrs))];
    }
    const candidates = this.candidates(element, type, path, depth + 1);
    if (candidates.length === 0 && !type.contentMatch.validEnd) {
      // Filled rather than left out: someone may be adding to it at this very moment (the repair
      // keeps the element, so what they add is kept too).
      const filled = type.createAndFill(attrs);
      this.problem(
        'G5',
        path,
        `"${name}" is empty, which the schema does not allow; it ${filled ? 'gets the least it needs (an empty item or paragraph)' : 'is left out'}`,
      );
      return filled ? [this.keep(element, filled)] : [];
    }
    const content = this.fit(type, candidates, path, { fillEnd: true });
    return [this.keep(element, type.create(attrs, Fragment.fromArray(content)))];
  }

  private keep(element: Y.XmlElement, node: Node): Node {
    this.options.kept?.(element, node);
    return node;
  }

  /** The text nodes of a Y.XmlText, with the marks of the schema (valid attributes), embeds left out. */
  textNodes(text: Y.XmlText, path: string): Node[] {
    const nodes: Node[] = [];
    for (const op of text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
      if (typeof op.insert !== 'string') {
        this.problem('G2', path, `a text holds ${describeChild(op.insert)}, which is not text; it is left out`);
        continue;
      }
      if (op.insert === '') continue;
      nodes.push(this.schema.text(op.insert, this.marksOf(op.attributes, path)));
    }
    return nodes;
  }

  /** The marks a text's formatting stands for: those of the schema, with valid attributes, that can be combined. */
  marksOf(attributes: Record<string, unknown> | undefined, path: string): readonly Mark[] {
    let marks: readonly Mark[] = [];
    for (const [key, value] of Object.entries(attributes ?? {})) {
      const name = markNameOf(key);
      if (!Object.hasOwn(this.schema.marks, name)) {
        this.problem('G7', path, `"${name}" is not a mark of the schema; the text is kept without it`);
        continue;
      }
      const given = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
      const { attrs, changed } = normalizeAttributes('mark', name, given);
      if (name === 'link' && attrs.href !== given.href) {
        this.problem('V3', path, 'a link address is not one a link may have; the text is kept without the link');
        continue;
      }
      if (changed) this.problem('G7', path, `attributes of mark "${name}" were not valid; the closest valid ones are used`);
      const mark = this.schema.marks[name].create(attrs);
      const next = mark.addToSet(marks);
      if (!mark.isInSet(next)) this.problem('G7', path, `mark "${name}" cannot be combined with the others on the same text; it is left out`);
      marks = next;
    }
    return marks;
  }

  /**
   * `nodes` made into valid content of a `context` node: nodes that fit stay; missing required
   * nodes are filled in before one that needs them; inline runs where blocks belong are wrapped
   * in a paragraph (blocks in what they need: a row in a table); a node that fits nowhere gives
   * its content in its place; marks the context does not allow are removed.
   */
  fit(context: NodeType, nodes: readonly Node[], path: string, { fillEnd }: { fillEnd: boolean }): Node[] {
    const out: Node[] = [];
    let match = context.contentMatch;
    let inlineRun: Node[] = [];
    // After text lifted out of a block, the text that follows starts on a new line.
    let separateNext = false;

    const tryPlace = (node: Node): boolean => {
      const next = match.matchType(node.type);
      if (next) {
        out.push(node);
        match = next;
        return true;
      }
      const fill = match.fillBefore(Fragment.from(node));
      const afterFill = fill ? match.matchFragment(fill)?.matchType(node.type) : null;
      if (!fill || !afterFill) return false;
      this.problem(
        'G5',
        path,
        `"${context.name}" needed ${fill.childCount === 1 ? `a "${fill.child(0).type.name}"` : 'other nodes'} before "${node.type.name}"; an empty one was added`,
      );
      fill.forEach((filler) => {
        out.push(filler);
      });
      out.push(node);
      match = afterFill;
      return true;
    };

    const wrapAndPlace = (first: NodeType, content: Node[]): boolean => {
      const wrapping = match.findWrapping(first);
      if (!wrapping || wrapping.length === 0) return false;
      let inner: Node | null = null;
      for (let i = wrapping.length - 1; i >= 0; i--) {
        inner = wrapping[i].createAndFill(null, inner ? inner : Fragment.fromArray(content));
        if (!inner) return false;
      }
      return inner !== null && tryPlace(inner);
    };

    const flushInline = () => {
      if (inlineRun.length === 0) return;
      const run = inlineRun;
      inlineRun = [];
      this.problem('G4', path, `text stands directly in "${context.name}", which holds no text; it is wrapped in a paragraph`);
      if (!wrapAndPlace(run[0].type, run)) this.problem('G4', path, 'text could not be placed; it is left out');
    };

    const place = (node: Node, depth: number): void => {
      if (node.isInline && !context.inlineContent) {
        inlineRun.push(node);
        return;
      }
      flushInline();
      const fitting = node.isInline ? node.mark(context.allowedMarks(node.marks)) : node;
      if (!sameMarks(fitting, node)) this.problem('G7', path, `"${context.name}" does not allow some marks of its text; they are removed`);
      if (separateNext && fitting.isInline) {
        separateNext = false;
        separate();
      }
      if (tryPlace(fitting)) return;
      if (!fitting.isLeaf && wrapAndPlace(fitting.type, [fitting])) {
        this.problem('G4', path, `"${fitting.type.name}" may not stand in "${context.name}"; it is wrapped in what it needs`);
        return;
      }
      if (fitting.isLeaf) {
        const replacement = fitting.type.name === 'hardBreak' && context.inlineContent ? this.schema.text('\n') : null;
        if (replacement && tryPlace(replacement)) return;
        this.problem('G4', path, `"${fitting.type.name}" may not stand in "${context.name}"; it is left out`);
        return;
      }
      // Fits nowhere: its content takes its place (a paragraph inside a paragraph gives its text).
      this.problem('G4', path, `"${fitting.type.name}" may not stand in "${context.name}"; its content takes its place`);
      if (depth > MAX_DEPTH) return;
      const lineBreaks = fitting.isTextblock && context.inlineContent;
      if (lineBreaks && out.length > 0) separate();
      separateNext = false;
      fitting.forEach((child) => {
        place(child, depth + 1);
      });
      if (lineBreaks) separateNext = true;
    };

    /** Between lifted blocks of text in a text context: a line break. */
    const separate = () => {
      const lineBreak = Object.hasOwn(this.schema.nodes, 'hardBreak') ? this.schema.nodes.hardBreak.create() : null;
      if (lineBreak && match.matchType(lineBreak.type)) tryPlace(lineBreak);
      else tryPlace(this.schema.text('\n'));
    };

    for (const node of nodes) place(node, 0);
    flushInline();
    if (fillEnd && !match.validEnd) {
      const fill = match.fillBefore(Fragment.empty, true);
      if (fill && fill.childCount > 0) {
        this.problem('G5', path, `"${context.name}" was missing required content at its end; empty nodes were added`);
        fill.forEach((filler) => {
          out.push(filler);
        });
      }
    }
    return out;
  }

  /** The text inside `type`, one paragraph per element holding text directly, without recursion (for any depth). */
  textParagraphs(type: Y.XmlFragment | Y.XmlElement): Fragment {
    const paragraph = this.schema.nodes.paragraph;
    const paragraphs: Node[] = [];
    const stack: Array<Y.XmlFragment | Y.XmlElement> = [type];
    while (stack.length > 0) {
      const current = stack.pop() as Y.XmlFragment | Y.XmlElement;
      let text = '';
      const children = current.toArray();
      for (const child of children) {
        if (!(child instanceof Y.XmlText)) continue;
        for (const op of child.toDelta() as Array<{ insert: unknown }>) if (typeof op.insert === 'string') text += op.insert;
      }
      if (text !== '') paragraphs.push(paragraph.create(null, this.schema.text(text)));
      for (let i = children.length - 1; i >= 0; i--) {
        const child = children[i];
        if (child instanceof Y.XmlElement) stack.push(child);
      }
    }
    return Fragment.fromArray(paragraphs);
  }
}

function sameMarks(a: Node, b: Node): boolean {
  return a.marks.length === b.marks.length && a.marks.every((mark, index) => mark.eq(b.marks[index]));
}

function join(path: string, index: number): string {
  return path === '' ? String(index) : `${path}/${index}`;
}

function describeChild(value: unknown): string {
  if (value instanceof Y.AbstractType) return `a ${value.constructor.name}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'binary data';
  return `a ${typeof value}`;
}

function describeAttributes(element: Y.XmlElement): string {
  const text = JSON.stringify(element.getAttributes()) ?? '';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

import type { Mark, Node, NodeType, Schema } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { normalizeAttributes } from '../../shared/attributeRules';
import { type BodyProblem, BodyReader, markNameOf } from '../../shared/bodyReader';
import { MAX_DEPTH } from '../../shared/schemaRules';

/**
 * Makes a document body valid for the schema by changing only what is invalid ([R2], [R3] in
 * `shared/SCHEMA-RULES.md`), in the live Y.Doc, as the caller's transaction: the result is what
 * the tolerant reader (`shared/bodyReader.ts`) shows. Valid elements keep their identity (so
 * concurrent typing in them survives); an element or text that may not stand where it is gives
 * way to new elements holding its text (bare text wrapped in a paragraph, the content of an
 * unknown element lifted into its place); an element with nothing valid to show is deleted;
 * invalid attributes and formatting take their closest valid value. Returns what was repaired.
 */
export function repairBody(fragment: Y.XmlFragment, schema: Schema, maxProblems = 100): BodyProblem[] {
  const repair = new Repair(schema, maxProblems);
  repair.container(fragment, schema.topNodeType, '', 0);
  return repair.reader.problems;
}

/**
 * Repairs only `elements` of a body, each where it stands and with what it holds, as `repairBody`
 * would ([R3]): for after an update, when the rest of the body was valid before it and only these
 * elements changed. An element's parent is read as a whole only when its children no longer fit
 * it as they stand, and never when it is the body, whose children are each fitted alone (any
 * block may stand beside any other there); so the cost is in proportion to the elements, their
 * parents and their place in the body, not to the document. Returns what was repaired.
 */
export function repairElements(elements: Iterable<Y.XmlElement>, schema: Schema, maxProblems = 100): BodyProblem[] {
  const repair = new Repair(schema, maxProblems);
  for (const element of elements) repair.element(element);
  return repair.reader.problems;
}

class Repair {
  readonly reader: BodyReader;

  constructor(
    private readonly schema: Schema,
    maxProblems: number,
  ) {
    this.reader = new BodyReader(schema, { maxProblems });
  }

  container(container: Y.XmlFragment | Y.XmlElement, type: NodeType, path: string, depth: number): void {
    if (container instanceof Y.XmlElement) this.attributes(container, type.name, path);
    if (type.isLeaf) {
      if (container.length > 0) {
        this.reader.problem('G4', path, `"${type.name}" may not hold content; its content is deleted`);
        container.delete(0, container.length);
      }
      return;
    }
    if (type.inlineContent) this.inlineChildren(container, type, path, depth);
    else this.blockChildren(container, type, path, depth);
    container.toArray().forEach((child, index) => {
      const childPath = join(path, index);
      if (child instanceof Y.XmlText) this.text(child, type, childPath);
      else if (child instanceof Y.XmlElement && depth + 1 <= MAX_DEPTH) this.container(child, this.schema.nodes[child.nodeName], childPath, depth + 1);
    });
  }

  /** Repairs `element` (of the body, and in it unless deleted) in its parent and what it holds. */
  element(element: Y.XmlElement): void {
    const place = placeOf(element);
    if (!place) return;
    const { parent, index, path, depth } = place;
    const type = nodeTypeOf(this.schema, element.nodeName);
    if (parent instanceof Y.XmlElement) {
      const parentType = nodeTypeOf(this.schema, parent.nodeName);
      if (!parentType) return;
      const parentPath = path.slice(0, Math.max(0, path.lastIndexOf('/')));
      if (parentType.inlineContent || !this.validAsTheyStand(parent.toArray(), parentType, depth)) this.container(parent, parentType, parentPath, depth - 1);
      else if (type && depth <= MAX_DEPTH) this.container(element, type, path, depth);
      return;
    }
    this.blockChildren(parent, this.schema.topNodeType, '', 0, { child: element, index });
    if (type && !element._item?.deleted) this.container(element, type, path, depth);
  }

  private attributes(element: Y.XmlElement, name: string, path: string): void {
    const given = element.getAttributes() as Record<string, unknown>;
    const { attrs, changed } = normalizeAttributes('node', name, given);
    if (!changed) return;
    this.reader.problem('G6', path, `attributes of "${name}" were not valid; the closest valid ones are set`);
    for (const key of Object.keys(given)) {
      if (!Object.hasOwn(attrs, key) || attrs[key] === null) element.removeAttribute(key);
      else if (attrs[key] !== given[key]) element.setAttribute(key, attrs[key] as string);
    }
  }

  /**
   * Children of a node holding blocks: when they are valid as they stand, nothing changes here;
   * otherwise they are read as the reader does, the children it kept stay where they are, and the
   * rest is replaced by the nodes the reader made of it.
   */
  private blockChildren(
    container: Y.XmlFragment | Y.XmlElement,
    type: NodeType,
    path: string,
    depth: number,
    /** Only this child (at `index`) of the body, fitted alone. */
    only?: { child: Y.XmlElement; index: number },
  ): void {
    const children = only ? [only.child] : container.toArray();
    const offset = only?.index ?? 0;
    if (this.validAsTheyStand(children, type, depth + 1)) return;
    const direct = new Set<unknown>(children);
    const keptAs = new Map<Node, Y.XmlElement>();
    const reader = new BodyReader(this.schema, {
      kept: (element, node) => {
        if (direct.has(element)) keptAs.set(node, element);
      },
    });
    const top = type === this.schema.topNodeType;
    const candidates = only ? reader.candidatesOf(only.child, type, join(path, offset), depth + 1) : reader.candidates(container, type, path, depth + 1);
    const nodes = reader.fit(type, candidates, path, { fillEnd: !top });
    for (const problem of reader.problems) this.reader.problem(problem.rule, problem.path, problem.message);
    const keep = new Set(nodes.map((node) => keptAs.get(node)).filter((element) => element !== undefined));
    for (let index = children.length - 1; index >= 0; index--) if (!keep.has(children[index] as Y.XmlElement)) container.delete(offset + index, 1);
    nodes.forEach((node, index) => {
      if (!keptAs.has(node)) container.insert(offset + index, [toYElement(node)]);
    });
  }

  private validAsTheyStand(children: unknown[], type: NodeType, childDepth: number): boolean {
    let match = type.contentMatch;
    for (const child of children) {
      if (!(child instanceof Y.XmlElement) || childDepth > MAX_DEPTH) return false;
      const childType = Object.hasOwn(this.schema.nodes, child.nodeName) ? this.schema.nodes[child.nodeName] : undefined;
      // At the deepest level only what holds text may stand ([G8]): the reader keeps the rest as text.
      if (childDepth === MAX_DEPTH && !(childType?.inlineContent || childType?.isLeaf)) return false;
      const next = childType && !childType.isText && childType !== this.schema.topNodeType ? match.matchType(childType) : null;
      if (!next) return false;
      // An element that must hold something but holds nothing is no valid child either.
      if (child.length === 0 && !childType?.isLeaf && !childType?.contentMatch.validEnd) return false;
      match = next;
    }
    return type === this.schema.topNodeType || match.validEnd;
  }

  /** Children of a node holding text: texts stay; an element that may not stand in it gives way to its text. */
  private inlineChildren(container: Y.XmlFragment | Y.XmlElement, type: NodeType, path: string, depth: number): void {
    const children = container.toArray();
    for (let index = children.length - 1; index >= 0; index--) {
      const child = children[index];
      if (child instanceof Y.XmlText) continue;
      const childType = child instanceof Y.XmlElement && Object.hasOwn(this.schema.nodes, child.nodeName) ? this.schema.nodes[child.nodeName] : undefined;
      if (childType?.isInline && !childType.isText && type.contentMatch.matchType(childType)) continue;
      const childPath = join(path, index);
      const lifted = this.reader.fit(type, this.reader.candidatesOf(child, type, childPath, depth + 1), childPath, { fillEnd: false });
      this.reader.problem(
        'G4',
        childPath,
        `${child instanceof Y.XmlElement ? `"${child.nodeName}"` : 'content'} may not stand in "${type.name}"; its text takes its place`,
      );
      const lineBreak = (): Node => (type.contentMatch.matchType(this.schema.nodes.hardBreak) ? this.schema.nodes.hardBreak.create() : this.schema.text('\n'));
      const replacement = [...(index > 0 ? [lineBreak()] : []), ...lifted, ...(index < children.length - 1 ? [lineBreak()] : [])];
      container.delete(index, 1);
      container.insert(index, toYChildren(replacement));
    }
  }

  /** Formatting of a text: marks the schema does not have or `container` does not allow removed, attributes made valid; embeds deleted. */
  private text(text: Y.XmlText, container: NodeType, path: string): void {
    const delta = text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>;
    const fixes: Array<() => void> = [];
    let index = 0;
    for (const op of delta) {
      const at = index;
      if (typeof op.insert !== 'string') {
        this.reader.problem('G2', path, 'a text holds something that is not text; it is deleted');
        fixes.push(() => text.delete(at, 1));
        index += 1;
        continue;
      }
      const length = op.insert.length;
      index += length;
      const wanted = new Map<string, Mark>();
      for (const mark of container.allowedMarks(this.reader.marksOf(op.attributes, path))) wanted.set(mark.type.name, mark);
      const format: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(op.attributes ?? {})) {
        const mark = wanted.get(markNameOf(key));
        if (!mark) format[key] = null;
        else if (!sameAttributes(mark.attrs, value)) format[key] = mark.attrs;
      }
      if (Object.keys(format).length > 0) {
        this.reader.problem(
          'G7',
          path,
          `formatting ${Object.keys(format).join(', ')} was not valid here; it is ${Object.values(format).some((value) => value !== null) ? 'corrected' : 'removed'}`,
        );
        fixes.push(() => text.format(at, length, format));
      }
    }
    // From the end, so earlier positions stay where they were.
    for (let i = fixes.length - 1; i >= 0; i--) fixes[i]();
  }
}

function sameAttributes(attrs: Record<string, unknown>, value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return Object.keys(attrs).length === 0;
  const given = value as Record<string, unknown>;
  const keys = new Set([...Object.keys(attrs), ...Object.keys(given)]);
  for (const key of keys) if (JSON.stringify(attrs[key] ?? null) !== JSON.stringify(given[key] ?? null)) return false;
  return true;
}

/** A new Y element for `node`, as y-tiptap writes one: attributes that are not null, runs of text as Y.XmlTexts. */
export function toYElement(node: Node): Y.XmlElement {
  const element = new Y.XmlElement(node.type.name);
  for (const [key, value] of Object.entries(node.attrs)) if (value !== null) element.setAttribute(key, value as string);
  const children: Node[] = [];
  node.forEach((child) => {
    children.push(child);
  });
  element.insert(0, toYChildren(children));
  return element;
}

/** Y children for a list of nodes: each run of text nodes one Y.XmlText, every other node an element. */
function toYChildren(nodes: readonly Node[]): Array<Y.XmlElement | Y.XmlText> {
  const result: Array<Y.XmlElement | Y.XmlText> = [];
  let run: Node[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const text = new Y.XmlText();
    text.applyDelta(run.map((node) => ({ insert: node.text ?? '', attributes: Object.fromEntries(node.marks.map((mark) => [mark.type.name, mark.attrs])) })));
    result.push(text);
    run = [];
  };
  for (const node of nodes) {
    if (node.isText) run.push(node);
    else {
      flush();
      result.push(toYElement(node));
    }
  }
  flush();
  return result;
}

function nodeTypeOf(schema: Schema, name: string): NodeType | undefined {
  return Object.hasOwn(schema.nodes, name) ? schema.nodes[name] : undefined;
}

/**
 * Where `element` stands: its parent, its index there, its path and depth from the body; null
 * when it, or an element holding it, is deleted. Costs its depth and the siblings before it.
 */
function placeOf(element: Y.XmlElement): { parent: Y.XmlFragment | Y.XmlElement; index: number; path: string; depth: number } | null {
  const indexes: number[] = [];
  let current: Y.XmlElement | Y.XmlFragment = element;
  while (current._item) {
    const item: Y.Item = current._item;
    if (item.deleted) return null;
    let index = 0;
    for (let sibling = item.left; sibling; sibling = sibling.left) if (sibling.countable && !sibling.deleted) index += 1;
    indexes.unshift(index);
    current = item.parent as Y.XmlElement | Y.XmlFragment;
  }
  return { parent: element.parent as Y.XmlFragment | Y.XmlElement, index: indexes[indexes.length - 1], path: indexes.join('/'), depth: indexes.length };
}

function join(path: string, index: number): string {
  return path === '' ? String(index) : `${path}/${index}`;
}

import type { ContentMatch, NodeType, Schema } from '@tiptap/pm/model';

/**
 * The document structure the editor's schema allows, in the terms the Yjs body uses: element
 * names, and `TEXT` for a Y.XmlText (a run of text nodes). Derived from the ProseMirror schema
 * (`shared/editorExtensions.ts`), never written out by hand, so a schema change changes the rules.
 * The rules are [G1]–[G9] in `shared/SCHEMA-RULES.md`.
 */

/** The name a Y.XmlText child stands for (ProseMirror text nodes). */
export const TEXT = 'text';

/** Deepest nesting of elements in the body (the body itself is depth 0). */
export const MAX_DEPTH = 100;

export interface SchemaRules {
  readonly schema: Schema;
  /** The node type of the body itself (`doc`). */
  readonly topNode: string;
  /** True for a node type of the schema. */
  isNode(name: string): boolean;
  /** True for a mark type of the schema. */
  isMark(name: string): boolean;
  /** May a `child` node stand somewhere in the content of `parent`? */
  allows(parent: string, child: string): boolean;
  /** May a `child` node be the first child of `parent`? */
  allowsFirst(parent: string, child: string): boolean;
  /** May text in a `parent` node carry mark `mark`? */
  allowsMark(parent: string, mark: string): boolean;
  /** Is `children` (node type names, in order) valid content for `parent`? */
  validContent(parent: string, children: readonly string[]): boolean;
}

const cache = new WeakMap<Schema, SchemaRules>();

/** The structure rules of `schema` (computed once per schema). */
export function schemaRulesOf(schema: Schema): SchemaRules {
  let rules = cache.get(schema);
  if (!rules) {
    rules = buildRules(schema);
    cache.set(schema, rules);
  }
  return rules;
}

function buildRules(schema: Schema): SchemaRules {
  const anywhere = new Map<string, Set<string>>();
  const first = new Map<string, Set<string>>();
  for (const [name, type] of Object.entries(schema.nodes)) {
    anywhere.set(name, reachableTypes(type.contentMatch));
    first.set(name, edgeTypes(type.contentMatch));
  }
  const nodeType = (name: string): NodeType | undefined => (Object.hasOwn(schema.nodes, name) ? schema.nodes[name] : undefined);
  return {
    schema,
    topNode: schema.topNodeType.name,
    isNode: (name) => nodeType(name) !== undefined,
    isMark: (name) => Object.hasOwn(schema.marks, name),
    allows: (parent, child) => anywhere.get(parent)?.has(child) ?? false,
    allowsFirst: (parent, child) => first.get(parent)?.has(child) ?? false,
    allowsMark: (parent, mark) => {
      const type = nodeType(parent);
      return type !== undefined && Object.hasOwn(schema.marks, mark) && type.allowsMarkType(schema.marks[mark]);
    },
    validContent: (parent, children) => {
      const type = nodeType(parent);
      if (!type) return false;
      let match: ContentMatch | null = type.contentMatch;
      for (const child of children) {
        const childType = nodeType(child);
        match = childType ? match.matchType(childType) : null;
        if (!match) return false;
      }
      return match.validEnd;
    },
  };
}

function edgeTypes(match: ContentMatch): Set<string> {
  const types = new Set<string>();
  for (let i = 0; i < match.edgeCount; i++) types.add(match.edge(i).type.name);
  return types;
}

/** Every node type any state of `start` accepts. */
function reachableTypes(start: ContentMatch): Set<string> {
  const types = new Set<string>();
  const seen = new Set<ContentMatch>([start]);
  const work = [start];
  while (work.length > 0) {
    const match = work.pop() as ContentMatch;
    for (let i = 0; i < match.edgeCount; i++) {
      const { type, next } = match.edge(i);
      types.add(type.name);
      if (!seen.has(next)) {
        seen.add(next);
        work.push(next);
      }
    }
  }
  return types;
}

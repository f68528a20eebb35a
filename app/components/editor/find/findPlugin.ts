import { type EditorState, Plugin, PluginKey, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { type FindMatch, type FindQuery, findMatches } from './findMatches';

/** What the find plugin knows: the query, its matches in the current document and the current one. */
export interface FindState {
  query: FindQuery;
  matches: FindMatch[];
  /** Index into `matches`, or -1 when there is none. */
  current: number;
  decorations: DecorationSet;
}

/** The find plugin's key: read its state with `findKey.getState(state)`. */
export const findKey = new PluginKey<FindState>('find');

/** A change to the search, set on a transaction: a new query, another current match, or where to look for the next one after an edit. */
type FindMeta = { query: FindQuery } | { current: number } | { near: number };

const EMPTY_QUERY: FindQuery = { text: '', matchCase: false, wholeWord: false };

function decorate(state: EditorState, matches: FindMatch[], current: number): DecorationSet {
  return DecorationSet.create(
    state.doc,
    matches.map((match, index) => Decoration.inline(match.from, match.to, { class: index === current ? 'find-match find-match-current' : 'find-match' })),
  );
}

/** The index of the first match at or after `position` (wrapping to the first). */
function nearest(matches: FindMatch[], position: number): number {
  if (matches.length === 0) return -1;
  const index = matches.findIndex((match) => match.from >= position);
  return Math.max(index, 0);
}

function withMatches(state: EditorState, query: FindQuery, near: number): FindState {
  const matches = findMatches(state.doc, query);
  const current = nearest(matches, near);
  return { query, matches, current, decorations: decorate(state, matches, current) };
}

/**
 * Highlights the matches of a search as decorations: they are drawn over the text and never
 * change the document, so nobody else sees them and nothing is saved. The matches follow every
 * change, local or remote; the current match stays the one nearest where it was.
 */
export function findPlugin(): Plugin<FindState> {
  return new Plugin<FindState>({
    key: findKey,
    state: {
      init: (_, state) => withMatches(state, EMPTY_QUERY, 0),
      apply(tr: Transaction, previous: FindState, _old, state): FindState {
        const meta = tr.getMeta(findKey) as FindMeta | undefined;
        if (meta && 'query' in meta) return withMatches(state, meta.query, previous.matches[previous.current]?.from ?? state.selection.from);
        if (meta && 'current' in meta) {
          return { ...previous, current: meta.current, decorations: decorate(state, previous.matches, meta.current) };
        }
        if (!tr.docChanged) return previous;
        if (meta && 'near' in meta) return withMatches(state, previous.query, meta.near);
        const was = previous.matches[previous.current];
        return withMatches(state, previous.query, was ? tr.mapping.map(was.from) : state.selection.from);
      },
    },
    props: {
      decorations: (state) => findKey.getState(state)?.decorations,
    },
  });
}

/** A transaction setting the search. */
export function setFindQuery(tr: Transaction, query: FindQuery): Transaction {
  return tr.setMeta(findKey, { query } satisfies FindMeta);
}

/** Marks an edit after which the current match is the first one at or after `position` (in the changed document). */
export function findNear(tr: Transaction, position: number): Transaction {
  return tr.setMeta(findKey, { near: position } satisfies FindMeta);
}

/** A transaction making match `index` the current one. */
export function setCurrentMatch(tr: Transaction, index: number): Transaction {
  return tr.setMeta(findKey, { current: index } satisfies FindMeta);
}

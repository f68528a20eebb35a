'use client';

import type { Editor } from '@tiptap/react';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { canComment, canWrite, type Role } from '../../../shared/token';
import { SuggestionCard } from './SuggestionCard';
import { SuggestionMode } from './suggestionMode';
import { useSuggestionList } from './useSuggestionList';
import './suggestions.css';

const MODE_LABELS = { editing: 'Editing', suggesting: 'Suggesting', viewing: 'Viewing' } as const;

interface Options {
  role: Role;
  identity: { id?: string; name: string };
  /** The document can no longer be changed (deleted, its link reset). */
  closed: boolean;
  editor: Editor | null;
  /** Opens a comment on the editor's selection (a reply to a suggestion is a comment on its text). */
  startComment?: () => void;
}

/** Editing changes the text; suggesting proposes changes for an editor to accept; viewing (commenters) only reads. */
export type EditMode = 'editing' | 'suggesting' | 'viewing';

/**
 * Suggestions on the editor page ([SG2]–[SG8] in `shared/suggestions/SUGGESTIONS.md`): the
 * editor extension, the mode switch (editors edit or suggest; commenters view or suggest), and
 * the cards with accept and reject for the comments panel.
 */
export function useWorkspaceSuggestions({ role, identity, closed, editor, startComment }: Options) {
  const identityRef = useRef(identity);
  identityRef.current = identity;
  const extension = useMemo(
    () => SuggestionMode.configure({ user: () => ({ id: identityRef.current.id ?? 'anonymous', name: identityRef.current.name }) }),
    [],
  );
  const writer = canWrite(role);
  const canSuggest = !closed && canComment(role) && identity.id !== undefined;
  const [chosen, setMode] = useState<EditMode | null>(null);
  const modes: EditMode[] = writer ? ['editing', 'suggesting'] : ['viewing', 'suggesting'];
  const mode: EditMode = canSuggest && chosen && modes.includes(chosen) ? chosen : modes[0];
  const suggesting = mode === 'suggesting';
  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.commands.setSuggesting(suggesting);
  }, [editor, suggesting]);
  const suggestions = useSuggestionList(editor);

  const run = (command: (current: Editor) => void) => () => {
    if (editor && !editor.isDestroyed) command(editor);
  };
  const mayResolve = writer && !closed;
  const cards: ReactNode =
    suggestions.length === 0 ? null : (
      <section className="suggestion-cards" aria-label="Suggestions">
        {mayResolve && (
          <div className="suggestion-actions suggestion-all">
            <button type="button" onClick={run((current) => current.commands.rejectAllSuggestions())}>
              Reject all
            </button>
            <button type="button" className="primary" onClick={run((current) => current.commands.acceptAllSuggestions())}>
              Accept all
            </button>
          </div>
        )}
        {suggestions.map((suggestion) => {
          const own = identity.id !== undefined && suggestion.author === identity.id;
          return (
            <SuggestionCard
              key={suggestion.id}
              suggestion={suggestion}
              onAccept={mayResolve ? run((current) => current.commands.acceptSuggestion(suggestion.id)) : null}
              onReject={mayResolve || (own && canSuggest) ? run((current) => current.commands.rejectSuggestion(suggestion.id)) : null}
              onReply={
                startComment && canSuggest
                  ? run((current) => {
                      current.commands.setTextSelection({ from: suggestion.from, to: suggestion.to });
                      startComment();
                    })
                  : null
              }
              onSelect={run((current) => current.chain().setTextSelection({ from: suggestion.from, to: suggestion.to }).scrollIntoView().focus().run())}
            />
          );
        })}
      </section>
    );

  const modeSwitch: ReactNode = canSuggest && (
    <select className="mode-switch" aria-label="Mode" value={mode} onChange={(event) => setMode(event.target.value as EditMode)}>
      {modes.map((one) => (
        <option key={one} value={one}>
          {MODE_LABELS[one]}
        </option>
      ))}
    </select>
  );
  return { extension, mode, suggesting, cards, modeSwitch };
}

'use client';

import { type Editor, useEditorState } from '@tiptap/react';

/** Words and characters in the document, or in the selection when there is one. */
export function WordCount({ editor }: { editor: Editor }) {
  const counts = useEditorState({
    editor,
    selector: ({ editor: e }) => {
      const { from, to, empty } = e.state.selection;
      const storage = e.storage.characterCount;
      if (empty) return { words: storage.words(), characters: storage.characters(), selection: false };
      const slice = e.state.doc.cut(from, to);
      return { words: storage.words({ node: slice }), characters: storage.characters({ node: slice }), selection: true };
    },
  });
  const words = `${counts.words.toLocaleString()} ${counts.words === 1 ? 'word' : 'words'}`;
  const characters = `${counts.characters.toLocaleString()} ${counts.characters === 1 ? 'character' : 'characters'}`;
  return <p className="word-count">{counts.selection ? `${words}, ${characters} selected` : `${words} · ${characters}`}</p>;
}

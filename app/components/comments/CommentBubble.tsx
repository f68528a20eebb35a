'use client';

import type { Editor } from '@tiptap/react';
import { BubbleMenu } from '@tiptap/react/menus';
import { MessageSquarePlus } from 'lucide-react';

/** The selection's bubble: one button that comments on what is selected (Ctrl/⌘+Alt+M does the same). */
export function CommentBubble({ editor, onComment }: { editor: Editor; onComment: () => void }) {
  return (
    <BubbleMenu editor={editor} pluginKey="commentBubble" shouldShow={({ state }) => !state.selection.empty} className="comment-bubble">
      <button type="button" className="tool-button" aria-label="Comment on the selection" title="Comment (Ctrl+Alt+M)" onClick={onComment}>
        <MessageSquarePlus size={18} aria-hidden />
      </button>
    </BubbleMenu>
  );
}

import type { AnyExtension, Mark } from '@tiptap/core';

/**
 * Underline in Markdown as `<u>text</u>`: CommonMark has no underline, and Tiptap's own `++text++`
 * shows as plus signs in every other reader, while inline HTML shows as underline in GitHub,
 * CommonMark renderers and editors alike. Both forms are read back as underline, so files written
 * before keep theirs. The server has no DOM to parse inline HTML with (`@tiptap/markdown` keeps
 * it as literal text there), so `<u>` is read by this tokenizer, not as HTML.
 */
export function withHtmlUnderline(underline: AnyExtension): AnyExtension {
  return (underline as Mark).extend({
    renderMarkdown(node, helpers) {
      return `<u>${helpers.renderChildren(node)}</u>`;
    },
    markdownTokenizer: {
      name: 'underline',
      level: 'inline',
      // One scan of the rest of the paragraph, as Tiptap's `indexOf('++')` (docs/parser-costs.md).
      start: (source: string) => source.search(UNDERLINE_START),
      tokenize(source, _tokens, lexer) {
        const match = UNDERLINE.exec(source);
        const inner = match?.[1] ?? match?.[2];
        if (!match || inner === undefined || inner.trim() === '') return undefined;
        return { type: 'underline', raw: match[0], text: inner, tokens: lexer.inlineTokens(inner) };
      },
    },
  });
}

const UNDERLINE_START = /<[uU]>|\+\+/;

/** `<u>…</u>` (any case) or Tiptap's `++…++`, at the start of the source. */
const UNDERLINE = /^(?:<u>([\s\S]+?)<\/u>|\+\+([\s\S]+?)\+\+)/i;

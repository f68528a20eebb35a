import { Window } from 'happy-dom';
import { foreignHtmlToEditorHtml, mayBeForeignHtml } from '../../shared/foreignHtml';

/**
 * `foreignHtmlToEditorHtml` (`shared/foreignHtml.ts`, the transform a paste in the editor gets)
 * on the server, where happy-dom (the DOM `@tiptap/html` parses with) stands in for the browser's.
 * HTML with no sign of a word processor is returned as it is, so the editor's own HTML costs no
 * second parse.
 */
export function foreignHtmlOnServer(html: string): string {
  if (!mayBeForeignHtml(html)) return html;
  const window = new Window({
    settings: {
      disableJavaScriptEvaluation: true,
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      disableIframePageLoading: true,
      disableComputedStyleRendering: true,
    },
  });
  try {
    const parser = new window.DOMParser();
    return foreignHtmlToEditorHtml(html, (text) => parser.parseFromString(text, 'text/html') as unknown as Document);
  } finally {
    void window.happyDOM.abort();
    void window.happyDOM.close();
  }
}

import { Window } from 'happy-dom';
import { foreignHtmlToEditorHtml } from '../../shared/foreignHtml';

/**
 * `foreignHtmlToEditorHtml` (`shared/foreignHtml.ts`, the transform a paste in the editor gets)
 * on the server, where happy-dom (the DOM `@tiptap/html` parses with) stands in for the browser's.
 * A DOM is made only for HTML with a sign of a word processor, so the editor's own HTML costs no
 * second parse.
 */
export function foreignHtmlOnServer(html: string): string {
  const windows: Window[] = [];
  try {
    return foreignHtmlToEditorHtml(html, (text) => {
      const window = new Window({
        settings: {
          disableJavaScriptEvaluation: true,
          disableJavaScriptFileLoading: true,
          disableCSSFileLoading: true,
          disableIframePageLoading: true,
          disableComputedStyleRendering: true,
        },
      });
      windows.push(window);
      return new window.DOMParser().parseFromString(text, 'text/html') as unknown as Document;
    });
  } finally {
    for (const window of windows) {
      void window.happyDOM.abort();
      void window.happyDOM.close();
    }
  }
}

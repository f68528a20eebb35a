import { type AnyExtension, Editor } from '@tiptap/core';
import { Window } from 'happy-dom';
import type * as Y from 'yjs';
import { TolerantCollaboration } from '../app/components/editor/tolerantCollaboration';
import { BODY_FIELD } from '../shared/documentFields';
import { documentExtensions } from '../shared/editorExtensions';
import { type HocuspocusClient, hocuspocusClient } from './clients';

/**
 * A real Tiptap editor in Node: the app's schema plus the Collaboration extension as the app
 * configures it (y-tiptap's sync and undo plugins, reading the body tolerantly) over a real Hocuspocus provider, rendered into a happy-dom document.
 * Edits made through `editor.commands` travel exactly the path a browser user's do.
 */
export interface TiptapClient extends HocuspocusClient {
  editor: Editor;
}

// Tiptap and ProseMirror reach for `window`, `document` and `navigator`; they are installed while
// at least one editor lives and removed with the last, so other code in the process sees Node.
const DOM_GLOBALS = ['window', 'document', 'navigator'] as const;
let dom: { window: Window; users: number; saved: Map<string, PropertyDescriptor | undefined> } | null = null;

function acquireDom(): Window {
  if (!dom) {
    const window = new Window({ url: 'http://localhost/' });
    const saved = new Map<string, PropertyDescriptor | undefined>();
    const values: Record<(typeof DOM_GLOBALS)[number], unknown> = { window, document: window.document, navigator: window.navigator };
    for (const name of DOM_GLOBALS) {
      saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
      Object.defineProperty(globalThis, name, { value: values[name], configurable: true, writable: true });
    }
    dom = { window, users: 0, saved };
  }
  dom.users += 1;
  return dom.window;
}

function releaseDom(): void {
  if (!dom) return;
  dom.users -= 1;
  if (dom.users > 0) return;
  for (const [name, descriptor] of dom.saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else delete (globalThis as Record<string, unknown>)[name];
  }
  void dom.window.happyDOM.close();
  dom = null;
}

/**
 * A Tiptap editor bound to the local Y.Doc `doc`, without a server: the app's schema with
 * `collaboration` (the app's, by default) and any `extra` extensions after it. For tests of the binding itself.
 */
export function localEditor(doc: Y.Doc, collaboration: AnyExtension = TolerantCollaboration, extra: AnyExtension[] = []): { editor: Editor; destroy(): void } {
  const window = acquireDom();
  const element = window.document.createElement('div');
  window.document.body.appendChild(element);
  const editor = new Editor({
    element: element as unknown as HTMLElement,
    extensions: [...documentExtensions(), (collaboration as typeof TolerantCollaboration).configure({ document: doc, field: BODY_FIELD }), ...extra],
  });
  return {
    editor,
    destroy: () => {
      editor.destroy();
      element.remove();
      releaseDom();
    },
  };
}

/** Opens a Tiptap editor on document `name` through the Hocuspocus endpoint at `url`, with `extra` extensions after the app's. */
export function tiptapClient(url: string, name: string, token: string, extra: AnyExtension[] = []): TiptapClient {
  const window = acquireDom();
  const client = hocuspocusClient(url, name, token);
  const element = window.document.createElement('div');
  window.document.body.appendChild(element);
  const editor = new Editor({
    element: element as unknown as HTMLElement,
    extensions: [...documentExtensions(), TolerantCollaboration.configure({ document: client.doc, field: BODY_FIELD }), ...extra],
  });
  return {
    ...client,
    editor,
    destroy: () => {
      editor.destroy();
      element.remove();
      client.destroy();
      releaseDom();
    },
  };
}

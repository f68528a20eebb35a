import { type Editor, Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import { addPlaceholder, imagePlaceholders, placeholderPos, placeholderProgress, removePlaceholder } from './imagePlaceholders';
import { ImageUploadError, type ImageUploadTarget, refusalOf, UPLOADABLE_TYPES, uploadImage } from './imageUpload';

export interface ImageUploadOptions {
  /** Where uploads go; null when this editor cannot upload (no server to store them). */
  target: () => ImageUploadTarget | null;
  /** Told why an image was not added (too large, wrong type, offline, view-only…). */
  onError: (message: string) => void;
}

/** The class the editor gets while files are dragged over it. */
const DRAG_CLASS = 'is-file-drag-target';

/**
 * Images added from files: picked in the image dialog (`uploadImageFiles`), pasted (files on the
 * clipboard, and `data:` images inside pasted HTML, which the schema would otherwise drop), or
 * dropped on the page (the drop cursor shows where they will go, and the page is outlined while
 * files are over it). Each file is uploaded to the server, a placeholder standing where it will go
 * (`imagePlaceholders.ts`, seen only here), and inserted as an image once stored.
 */
export const ImageUploads = Extension.create<ImageUploadOptions>({
  name: 'imageUploads',

  addOptions() {
    return { target: () => null, onError: () => undefined };
  },

  addProseMirrorPlugins() {
    const editor = this.editor;
    const options = this.options;
    const canUpload = () => editor.isEditable && options.target() !== null;
    const viewOnly = () => options.onError('Images can only be added with the edit link of this document.');
    return [
      imagePlaceholders(),
      new Plugin({
        key: new PluginKey('imageUploads'),
        props: {
          handlePaste: (view, event) => {
            const files = filesOf(event.clipboardData);
            if (files.length > 0) {
              if (!canUpload()) return false;
              if (!view.state.selection.empty) view.dispatch(view.state.tr.deleteSelection());
              uploadImageFiles(editor, files);
              return true;
            }
            const inline = dataImagesOf(event.clipboardData?.getData('text/html') ?? '');
            // The rest of the HTML pastes as usual (the schema leaves `data:` images out); the
            // images follow where the paste ended, once stored.
            if (inline.length > 0 && canUpload()) setTimeout(() => uploadImageFiles(editor, inline, view.state.selection.to));
            return false;
          },
          handleDrop: (view, event, _slice, moved) => {
            const files = moved ? [] : filesOf(event.dataTransfer);
            if (files.length === 0) return false;
            // Never let the browser open the file instead.
            event.preventDefault();
            if (!canUpload()) {
              viewOnly();
              return true;
            }
            const point = view.posAtCoords({ left: event.clientX, top: event.clientY });
            uploadImageFiles(editor, files, point?.pos);
            return true;
          },
          handleDOMEvents: {
            dragover: (view, event) => {
              if (carriesFiles(event.dataTransfer) && view.editable) view.dom.classList.add(DRAG_CLASS);
              return false;
            },
            dragleave: (view, event) => {
              if (!view.dom.contains(event.relatedTarget as Node | null)) view.dom.classList.remove(DRAG_CLASS);
              return false;
            },
            drop: (view, event) => {
              view.dom.classList.remove(DRAG_CLASS);
              // A file dropped on a view-only page: not opened by the browser, and said why.
              if (!view.editable && filesOf(event.dataTransfer).length > 0) {
                event.preventDefault();
                viewOnly();
                return true;
              }
              return false;
            },
          },
        },
      }),
    ];
  },
});

/**
 * Uploads `files` and inserts each as an image at `pos` (default: the selection) once stored,
 * wherever that place has moved by then; files that cannot be images, and failed uploads, are
 * reported through the extension's `onError`.
 */
export function uploadImageFiles(editor: Editor, files: readonly File[], pos?: number): void {
  const options = editor.extensionManager.extensions.find((extension) => extension.name === 'imageUploads')?.options as ImageUploadOptions | undefined;
  const target = options?.target();
  if (!options || !target || !editor.isEditable) return;
  const view = editor.view;
  const at = Math.min(pos ?? view.state.selection.from, view.state.doc.content.size);
  for (const file of files) {
    const refusal = refusalOf(file);
    if (refusal) {
      options.onError(refusal);
      continue;
    }
    const id = crypto.randomUUID();
    view.dispatch(addPlaceholder(view.state.tr, id, at, file.name || 'image'));
    uploadImage(target, file, (fraction) => dispatchIfOpen(view, (tr) => placeholderProgress(tr, id, fraction))).then(
      (image) => {
        const where = view.isDestroyed ? null : placeholderPos(view.state, id);
        dispatchIfOpen(view, (tr) => removePlaceholder(tr, id));
        if (where === null || !editor.isEditable) return;
        // Where the placeholder stands now; the person's own cursor stays where they are typing.
        editor
          .chain()
          .insertContentAt(where, { type: 'image', attrs: { src: image.src } }, { updateSelection: false })
          .run();
      },
      (error: unknown) => {
        dispatchIfOpen(view, (tr) => removePlaceholder(tr, id));
        options.onError(error instanceof ImageUploadError ? error.message : `“${file.name}” was not added: ${String(error)}`);
      },
    );
  }
}

function dispatchIfOpen(view: EditorView, change: (tr: EditorView['state']['tr']) => EditorView['state']['tr']): void {
  if (!view.isDestroyed) view.dispatch(change(view.state.tr));
}

function carriesFiles(data: DataTransfer | null): boolean {
  return data?.types.includes('Files') ?? false;
}

/** The files a paste or drop carries. */
function filesOf(data: DataTransfer | null): File[] {
  return data ? [...data.files] : [];
}

/** The `data:` images in pasted HTML, as files (read by an inert parser: nothing in it loads or runs). */
function dataImagesOf(html: string): File[] {
  if (!/<img[^>]+src\s*=\s*["']?\s*data:/i.test(html)) return [];
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  const files: File[] = [];
  for (const image of parsed.querySelectorAll('img[src^="data:"]')) {
    const match = /^data:([a-z0-9.+/-]+)((?:;[^,;]*)*?)(;base64)?,(.*)$/is.exec(image.getAttribute('src') ?? '');
    if (!match) continue;
    const type = match[1].toLowerCase();
    const text = match[4];
    let bytes: Uint8Array;
    try {
      bytes = match[3] ? Uint8Array.from(atob(text.replace(/\s+/g, '')), (char) => char.charCodeAt(0)) : new TextEncoder().encode(decodeURIComponent(text));
    } catch {
      continue;
    }
    const extension = (UPLOADABLE_TYPES as readonly string[]).includes(type) ? type.split('/')[1] : 'bin';
    files.push(new File([bytes as BlobPart], `pasted image ${files.length + 1}.${extension}`, { type }));
  }
  return files;
}

import type { AnyExtension, Node as TiptapNode } from '@tiptap/core';
import type { Node } from '@tiptap/pm/model';
import { NodeSelection } from '@tiptap/pm/state';
import type { EditorView, NodeView } from '@tiptap/pm/view';
import { MAX_PIXELS, MAX_TEXT_ATTRIBUTE_LENGTH, normalizeAttribute, safeImageSrc } from '../../../shared/attributeRules';
import { absoluteImageSrc } from '../../../shared/imagePaths';

/** Narrowest an image can be made, in pixels. */
const MIN_WIDTH = 24;
/** The widths of the size buttons, as a share of the page's width. */
const SIZES = [
  { label: 'Small', share: 0.25 },
  { label: 'Medium', share: 0.5 },
  { label: 'Large', share: 0.75 },
] as const;

export interface ImageViewOptions {
  /** The server's origin, when the editor runs on another one: an image path of the server is loaded from there. */
  serverOrigin?: string;
}

/**
 * The document's image node with the editor's controls (`imageView` of the schema's image):
 * - never wider than the page (`max-width: 100%`, whatever its `width`);
 * - a resize handle on its right edge, for the mouse or finger, which is also a slider for the
 *   keyboard (arrow keys 10 pixels, with Shift 50, Page Up/Down 100, Home and End);
 * - while it is selected, a bar with sizes (small, medium, large, the page's width) and its text
 *   alternative, reached with Tab.
 * Sizes are stored as `width` in pixels (the height follows the picture's proportions); the alt
 * text as `alt`, both within the attribute rules. A view-only editor shows the picture alone.
 */
export function withImageView(extension: AnyExtension, options: ImageViewOptions = {}): AnyExtension {
  return (extension as TiptapNode).extend({
    addNodeView() {
      return ({ node, view, getPos }) => new ImageView(node, view, getPos as () => number | undefined, options);
    },
  });
}

class ImageView implements NodeView {
  readonly dom: HTMLElement;
  private readonly frame: HTMLElement;
  private readonly image: HTMLImageElement;
  private readonly handle: HTMLElement;
  private controls: HTMLElement | null = null;
  private dragging: { startX: number; startWidth: number } | null = null;

  constructor(
    private node: Node,
    private readonly view: EditorView,
    private readonly getPos: () => number | undefined,
    private readonly options: ImageViewOptions,
  ) {
    this.dom = document.createElement('div');
    this.dom.className = 'image-node';
    this.dom.contentEditable = 'false';
    this.frame = this.dom.appendChild(document.createElement('div'));
    this.frame.className = 'image-frame';
    this.image = this.frame.appendChild(document.createElement('img'));
    this.image.draggable = false;
    this.handle = this.frame.appendChild(document.createElement('span'));
    this.handle.className = 'image-resize-handle';
    this.handle.setAttribute('role', 'slider');
    this.handle.setAttribute('aria-label', 'Image width');
    this.handle.tabIndex = -1;
    this.handle.addEventListener('pointerdown', this.onPointerDown);
    this.handle.addEventListener('keydown', this.onHandleKey);
    this.render();
  }

  update(node: Node): boolean {
    if (node.type !== this.node.type) return false;
    this.node = node;
    this.render();
    return true;
  }

  selectNode(): void {
    this.dom.classList.add('ProseMirror-selectednode');
    if (!this.view.editable) return;
    this.handle.tabIndex = 0;
    this.controls ??= this.dom.appendChild(this.buildControls());
  }

  deselectNode(): void {
    this.dom.classList.remove('ProseMirror-selectednode');
    this.handle.tabIndex = -1;
    this.controls?.remove();
    this.controls = null;
  }

  /** Events on the handle and the bar are theirs, not the editor's. */
  stopEvent(event: Event): boolean {
    const target = event.target as globalThis.Node | null;
    return target !== null && (this.handle.contains(target) || (this.controls?.contains(target) ?? false));
  }

  ignoreMutation(): boolean {
    return true;
  }

  destroy(): void {
    this.handle.removeEventListener('pointerdown', this.onPointerDown);
    this.handle.removeEventListener('keydown', this.onHandleKey);
  }

  private render(): void {
    const { src, alt, title } = this.node.attrs;
    const safe = safeImageSrc(src);
    const shown = safe === null ? null : absoluteImageSrc(safe, this.options.serverOrigin);
    if (shown === null) this.image.removeAttribute('src');
    else if (this.image.getAttribute('src') !== shown) this.image.src = shown;
    const text = normalizeAttribute('node', 'image', 'alt', alt);
    this.image.alt = typeof text === 'string' ? text : '';
    const label = normalizeAttribute('node', 'image', 'title', title);
    if (typeof label === 'string') this.image.title = label;
    else this.image.removeAttribute('title');
    if (!this.dragging) this.showWidth(this.width());
    const input = this.controls?.querySelector('input');
    if (input && document.activeElement !== input) input.value = this.image.alt;
  }

  /** The stored width, or null (the picture's own width, at most the page's). */
  private width(): number | null {
    const width = normalizeAttribute('node', 'image', 'width', this.node.attrs.width);
    return typeof width === 'number' ? width : null;
  }

  private showWidth(width: number | null): void {
    this.frame.style.width = width === null ? '' : `${width}px`;
    const shown = Math.round(width ?? this.image.getBoundingClientRect().width) || this.pageWidth();
    this.handle.setAttribute('aria-valuemin', String(MIN_WIDTH));
    this.handle.setAttribute('aria-valuemax', String(this.pageWidth()));
    this.handle.setAttribute('aria-valuenow', String(Math.min(shown, this.pageWidth())));
    this.handle.setAttribute('aria-valuetext', width === null ? 'original size, at most the page width' : `${width} pixels wide`);
  }

  /** The width of the page the image stands on (its widest). */
  private pageWidth(): number {
    return Math.max(MIN_WIDTH, Math.round(this.dom.clientWidth || this.view.dom.clientWidth || 640));
  }

  /** Stores `width` (null: the picture's own); the height follows the picture. */
  private commitWidth(width: number | null): void {
    const pos = this.getPos();
    if (pos === undefined || !this.view.editable) return;
    const value = width === null ? null : Math.max(MIN_WIDTH, Math.min(MAX_PIXELS, this.pageWidth(), Math.round(width)));
    if (value === this.width() && this.node.attrs.height === null) return;
    this.change(pos, { width: value, height: null });
  }

  private commitAlt(text: string): void {
    const pos = this.getPos();
    if (pos === undefined || !this.view.editable) return;
    const alt = text.trim() === '' ? null : text.slice(0, MAX_TEXT_ATTRIBUTE_LENGTH);
    if (alt === this.node.attrs.alt) return;
    this.change(pos, { alt });
  }

  /** Sets attributes of the image at `pos`, which stays selected (its bar stays open while one types in it). */
  private change(pos: number, attrs: Record<string, unknown>): void {
    const { state } = this.view;
    const tr = state.tr.setNodeMarkup(pos, undefined, { ...this.node.attrs, ...attrs });
    if (state.selection instanceof NodeSelection && state.selection.from === pos) tr.setSelection(NodeSelection.create(tr.doc, pos));
    this.view.dispatch(tr);
  }

  private readonly onPointerDown = (event: PointerEvent): void => {
    if (!this.view.editable || event.button !== 0) return;
    event.preventDefault();
    this.handle.setPointerCapture(event.pointerId);
    this.dragging = { startX: event.clientX, startWidth: this.frame.getBoundingClientRect().width };
    const move = (moveEvent: PointerEvent) => {
      if (!this.dragging) return;
      const width = Math.max(MIN_WIDTH, Math.min(this.pageWidth(), this.dragging.startWidth + moveEvent.clientX - this.dragging.startX));
      this.showWidth(Math.round(width));
    };
    const end = (endEvent: PointerEvent) => {
      this.handle.removeEventListener('pointermove', move);
      this.handle.removeEventListener('pointerup', end);
      this.handle.removeEventListener('pointercancel', end);
      const width = this.frame.getBoundingClientRect().width;
      this.dragging = null;
      if (endEvent.type === 'pointerup') this.commitWidth(width);
      else this.showWidth(this.width());
    };
    this.handle.addEventListener('pointermove', move);
    this.handle.addEventListener('pointerup', end);
    this.handle.addEventListener('pointercancel', end);
  };

  private readonly onHandleKey = (event: KeyboardEvent): void => {
    const current = Math.round(this.frame.getBoundingClientRect().width);
    const step = event.shiftKey ? 50 : 10;
    const widths: Record<string, number> = {
      ArrowRight: current + step,
      ArrowUp: current + step,
      ArrowLeft: current - step,
      ArrowDown: current - step,
      PageUp: current + 100,
      PageDown: current - 100,
      Home: MIN_WIDTH,
      End: this.pageWidth(),
    };
    if (event.key === 'Escape' || event.key === 'Enter') {
      event.preventDefault();
      this.view.focus();
      return;
    }
    if (!(event.key in widths)) return;
    event.preventDefault();
    this.commitWidth(widths[event.key]);
  };

  private buildControls(): HTMLElement {
    const bar = document.createElement('div');
    bar.className = 'image-controls';
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'Image size and description');
    const button = (label: string, width: () => number | null) => {
      const element = bar.appendChild(document.createElement('button'));
      element.type = 'button';
      element.textContent = label;
      element.addEventListener('click', () => this.commitWidth(width()));
    };
    for (const { label, share } of SIZES) button(label, () => this.pageWidth() * share);
    button('Page width', () => this.pageWidth());
    button('Original', () => null);
    const field = bar.appendChild(document.createElement('label'));
    field.className = 'image-alt';
    field.append('Alt text');
    const input = field.appendChild(document.createElement('input'));
    input.placeholder = 'Describe the image';
    input.maxLength = MAX_TEXT_ATTRIBUTE_LENGTH;
    input.value = this.image.alt;
    // Stored as it is typed, like any text of the document.
    input.addEventListener('input', () => this.commitAlt(input.value));
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== 'Escape') return;
      event.preventDefault();
      this.view.focus();
    });
    return bar;
  }
}

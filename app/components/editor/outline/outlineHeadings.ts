import type { Node as ProseMirrorNode } from '@tiptap/pm/model';

/** A heading of the outline. */
export interface OutlineHeading {
  level: 1 | 2 | 3;
  text: string;
  /** The heading node's position in the document. */
  position: number;
}

/**
 * The document's headings of levels 1 to 3 that have text, in order, wherever they stand (also
 * inside quotes, lists and tables). Text blocks are not entered, so this costs one step per block.
 */
export function outlineHeadings(doc: ProseMirrorNode): OutlineHeading[] {
  const headings: OutlineHeading[] = [];
  doc.descendants((node, position) => {
    if (!node.isTextblock) return true;
    const level = node.type.name === 'heading' ? Number(node.attrs.level) : 0;
    const text = node.textContent.trim();
    if ((level === 1 || level === 2 || level === 3) && text) headings.push({ level, text, position });
    return false;
  });
  return headings;
}

/** Whether two outlines are the same (nothing to redraw). */
export function sameOutline(a: OutlineHeading[], b: OutlineHeading[]): boolean {
  return (
    a.length === b.length &&
    a.every((heading, index) => heading.level === b[index].level && heading.text === b[index].text && heading.position === b[index].position)
  );
}

import type { Node } from '@tiptap/pm/model';
import { MAX_TITLE_LENGTH } from './titleText';

/**
 * The title as the first heading of a file, both ways: an exported Markdown or HTML file starts
 * with the title as a level-1 heading, and an imported file whose first block is a heading takes
 * that heading as its title, out of the body. So a document exported and imported again has its
 * title once, as a title, and not a second time in its text.
 */

/** `body` with `title` as a level-1 heading before its first block; `body` itself when the title is empty. */
export function withTitleHeading(body: Node, title: string): Node {
  const text = title.trim();
  if (text === '') return body;
  const { schema } = body.type;
  const heading = schema.nodes.heading.create({ level: 1 }, schema.text(text));
  const blocks: Node[] = [heading];
  body.forEach((block) => {
    blocks.push(block);
  });
  return body.type.create(body.attrs, blocks);
}

/**
 * The text of `body`'s first block when it is a heading that can be a title (some text, at most
 * `MAX_TITLE_LENGTH` characters), and the body without it (one empty paragraph if nothing is left);
 * else no title and `body` unchanged.
 */
export function takeTitleHeading(body: Node): { title: string | null; body: Node } {
  const first = body.firstChild;
  const title = first?.type.name === 'heading' ? first.textContent.replace(/\s+/g, ' ').trim() : '';
  if (title === '' || title.length > MAX_TITLE_LENGTH) return { title: null, body };
  const rest: Node[] = [];
  body.forEach((block, _offset, index) => {
    if (index > 0) rest.push(block);
  });
  const { schema } = body.type;
  return { title, body: body.type.create(body.attrs, rest.length > 0 ? rest : [schema.nodes.paragraph.create()]) };
}

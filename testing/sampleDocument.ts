import * as Y from 'yjs';
import type { DocumentService } from '../collab-server/documents/DocumentService';
import { initialUpdate, parseContent } from '../shared/conversion';

/** Markdown with one of every kind of node the schema has. */
export const SAMPLE_MARKDOWN = `# Heading

Alpha paragraph with **bold** text.

- first item
- second item

1. one
2. two

- [ ] to do

> A quote.

\`\`\`js
const code = 1;
\`\`\`

---

| a | b |
| --- | --- |
| 1 | 2 |

Omega paragraph.`;

/** Creates document `name` on the server with the sample content (as the content API would). */
export function createSampleDocument(documents: DocumentService, name: string, markdown = SAMPLE_MARKDOWN): Promise<unknown> {
  return documents.create(name, { update: initialUpdate(parseContent(markdown, 'markdown'), 'Sample') });
}

/** A Y.XmlElement named `name` with `children` and attributes, as a client would build it. */
export function element(name: string, children: Array<Y.XmlElement | Y.XmlText> = [], attributes: Record<string, unknown> = {}): Y.XmlElement {
  const result = new Y.XmlElement(name);
  for (const [key, value] of Object.entries(attributes)) result.setAttribute(key, value as string);
  result.insert(0, children);
  return result;
}

/** A Y.XmlText holding `content`. */
export function text(content: string): Y.XmlText {
  return new Y.XmlText(content);
}

/** A paragraph element holding `content`. */
export function paragraph(content: string, attributes: Record<string, unknown> = {}): Y.XmlElement {
  return element('paragraph', [text(content)], attributes);
}

/** A table element of `rows` of cell texts; every cell gets `cellAttributes`. */
export function table(rows: string[][], cellAttributes: Record<string, unknown> = {}): Y.XmlElement {
  return element(
    'table',
    rows.map((cells) =>
      element(
        'tableRow',
        cells.map((cell) => element('tableCell', [paragraph(cell)], cellAttributes)),
      ),
    ),
  );
}

import type { ContentFormat } from '../shared/conversion';

/**
 * Content shaped to be expensive to convert: inputs that are small on the wire but make a parser
 * recurse deeply, build a huge tree, or do quadratic work. The conversion tests, the benchmark
 * (`bench/workloads/conversionBombs.ts`) and `scripts/conversionCost.ts` send the same shapes.
 *
 * Each shape makes content of at most a given number of bytes (UTF-8). `body` wraps it in the
 * JSON request body of the content API or the app's import, so a shape can be sent at exactly the
 * size an endpoint accepts.
 */
export interface ContentBomb {
  /** Stable id, used in test names and benchmark tables. */
  id: string;
  format: ContentFormat;
  /** What the shape is, and what it costs the parser. */
  description: string;
  /** Content of at most `bytes` bytes. */
  make(bytes: number): string;
}

/** `unit` repeated to fill `bytes`. */
function fill(unit: string, bytes: number, prefix = '', suffix = ''): string {
  const room = bytes - prefix.length - suffix.length;
  return prefix + unit.repeat(Math.max(0, Math.floor(room / unit.length))) + suffix;
}

/** Lines made by `line(i)` until `bytes` is reached. */
function lines(bytes: number, line: (index: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  for (let index = 0; ; index++) {
    const next = line(index);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  return parts.join('');
}

/** JSON of blockquotes nested `depth` deep around one paragraph, written as text (a nested object that deep overflows JSON.stringify). */
function nestedQuotesJson(depth: number): string {
  return `{"type":"doc","content":[${'{"type":"blockquote","content":['.repeat(depth)}{"type":"paragraph"}${']}'.repeat(depth)}]}`;
}

export const CONTENT_BOMBS: readonly ContentBomb[] = [
  {
    id: 'md-open-emphasis',
    format: 'markdown',
    description: 'one paragraph of emphasis markers that never close ("a *a *a …"): each is matched against the rest of the paragraph',
    make: (bytes) => fill(' *a', bytes, 'a'),
  },
  {
    id: 'md-strong-runs',
    format: 'markdown',
    description: 'one paragraph of "**a" repeated: runs of strong-emphasis delimiters',
    make: (bytes) => fill('**a', bytes),
  },
  {
    id: 'md-underscore-runs',
    format: 'markdown',
    description: 'one paragraph of "_a" repeated: intraword underscore delimiters',
    make: (bytes) => fill('_a', bytes),
  },
  {
    id: 'md-short-paragraphs',
    format: 'markdown',
    description: 'thousands of one-letter paragraphs: every block re-scans the rest of the document',
    make: (bytes) => fill('a\n\n', bytes),
  },
  {
    id: 'md-link-definitions',
    format: 'markdown',
    description: 'link reference definitions, then paragraphs using them',
    make: (bytes) => {
      const definitions = lines(bytes / 2, (index) => `[l${index}]: https://example.com/${index}\n`);
      return definitions + lines(bytes - definitions.length, (index) => `\n[l${index}][l${index}] and [l${index}]`);
    },
  },
  {
    id: 'md-deep-quotes',
    format: 'markdown',
    description: 'one line of ">" markers: blockquotes nested as deep as the line is long',
    make: (bytes) => fill('>', bytes, '', ' a'),
  },
  {
    id: 'md-deep-lists',
    format: 'markdown',
    description: 'one line of "- " markers: bullet lists nested as deep as the line is long',
    make: (bytes) => fill('- ', bytes, '', 'a'),
  },
  {
    id: 'md-indented-lists',
    format: 'markdown',
    description: 'list items each indented two more spaces than the one before: one list nested in the next',
    make: (bytes) => lines(bytes, (index) => `${'  '.repeat(index)}- a\n`),
  },
  {
    id: 'md-huge-table',
    format: 'markdown',
    description: 'one pipe table of many short rows',
    make: (bytes) => fill('| a | b | c | d |\n', bytes, '| a | b | c | d |\n| - | - | - | - |\n'),
  },
  {
    id: 'md-brackets',
    format: 'markdown',
    description: 'one paragraph of "[" that never close: each is a possible link start',
    make: (bytes) => fill('[', bytes, '', 'a'),
  },
  {
    id: 'md-open-links',
    format: 'markdown',
    description: 'one paragraph of "[a](" repeated: link destinations that never close',
    make: (bytes) => fill('[a](', bytes),
  },
  {
    id: 'md-backtick-runs',
    format: 'markdown',
    description: 'one paragraph of "`a" repeated: code spans that close one character later',
    make: (bytes) => fill('`a', bytes),
  },
  {
    id: 'html-deep-divs',
    format: 'html',
    description: '"<div>" repeated without closing: elements nested as deep as there are tags',
    make: (bytes) => fill('<div>', bytes, '', 'a'),
  },
  {
    id: 'html-deep-inline',
    format: 'html',
    description: '"<b>" repeated without closing: inline formatting nested as deep as there are tags',
    make: (bytes) => fill('<b>', bytes, '', 'a'),
  },
  {
    id: 'html-deep-lists',
    format: 'html',
    description: '"<ul><li>" repeated: lists nested in list items',
    make: (bytes) => fill('<ul><li>', bytes, '', 'a'),
  },
  {
    id: 'html-many-paragraphs',
    format: 'html',
    description: '"<p>a</p>" repeated: a flat document of very many elements',
    make: (bytes) => fill('<p>a</p>', bytes),
  },
  {
    id: 'html-huge-table',
    format: 'html',
    description: 'one table of very many rows',
    make: (bytes) => fill('<tr><td>a</td><td>b</td></tr>', bytes, '<table>', '</table>'),
  },
  {
    id: 'html-formatting-reopened',
    format: 'html',
    description: 'thousands of distinct unclosed <b> elements, then paragraphs: every paragraph may reopen all of them',
    make: (bytes) => {
      const opened = lines(bytes / 2, (index) => `<b class="c${index}">`);
      return opened + fill('<p>x', bytes - opened.length);
    },
  },
  {
    id: 'json-deep-nodes',
    format: 'json',
    description: 'a JSON document of blockquotes nested inside each other',
    make: (bytes) => nestedQuotesJson(Math.max(1, Math.floor((bytes - 60) / 36))),
  },
  {
    id: 'json-many-nodes',
    format: 'json',
    description: 'a JSON document of very many small paragraphs',
    make: (bytes) => {
      const paragraph = '{"type":"paragraph","content":[{"type":"text","text":"a"}]},';
      const body = fill(paragraph, bytes - 40);
      return `{"type":"doc","content":[${body.slice(0, -1)}]}`;
    },
  },
  {
    id: 'json-deep-arrays',
    format: 'json',
    description: 'JSON content that is one array nested inside itself: deep before it is even a document',
    make: (bytes) => {
      const depth = Math.max(1, Math.floor((bytes - 2) / 2));
      return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    },
  },
  {
    id: 'text-many-lines',
    format: 'text',
    description: 'plain text of one-letter lines: one paragraph of very many line breaks',
    make: (bytes) => fill('a\n', bytes),
  },
];

/** The shapes in `format`. */
export function bombsOf(format: ContentFormat): ContentBomb[] {
  return CONTENT_BOMBS.filter((bomb) => bomb.format === format);
}

/**
 * The JSON body of a write to the content API (`{"format":…,"content":…}`) carrying `bomb` at the
 * largest size that keeps the whole body within `maxBodyBytes`. JSON content is embedded as the
 * document itself (not a string), as a backend sends it.
 */
export function apiBody(bomb: ContentBomb, maxBodyBytes: number): string {
  return bodyWithin(maxBodyBytes, (bytes) => {
    const content = bomb.make(bytes);
    return `{"format":${JSON.stringify(bomb.format)},"content":${bomb.format === 'json' ? content : JSON.stringify(content)}}`;
  });
}

/** The JSON body of the app's import (Markdown or HTML, as `bomb` is) carrying `bomb` with at most `maxContentBytes` of content (and the body within `maxBodyBytes`). */
export function importBody(bomb: ContentBomb, maxContentBytes: number, maxBodyBytes: number): string {
  return bodyWithin(maxBodyBytes, (bytes) => JSON.stringify({ title: bomb.id, format: bomb.format, content: bomb.make(Math.min(bytes, maxContentBytes)) }));
}

/** The largest body `build(bytes)` makes within `limit` bytes (JSON escaping makes a body larger than its content). */
function bodyWithin(limit: number, build: (bytes: number) => string): string {
  let bytes = limit;
  for (;;) {
    const body = build(bytes);
    const size = Buffer.byteLength(body);
    if (size <= limit) return body;
    bytes = Math.floor(bytes * (limit / size) * 0.999) - 16;
  }
}

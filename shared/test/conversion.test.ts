import type { JSONContent } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { withoutDefaults } from '../../testing/contentJson';
import { appendBody, ContentError, type ContentFormat, exportBody, initialUpdate, parseContent, replaceBody } from '../conversion';
import { BODY_FIELD } from '../documentFields';

/** Content in `format` → a Y.Doc (as the server stores it) → back out in `format`. */
function throughYDoc(content: string | JSONContent, format: ContentFormat, out: ContentFormat = format): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, initialUpdate(parseContent(content, format)));
  const result = exportBody(doc, out);
  doc.destroy();
  return result;
}

const MARKDOWN = `# Title

Paragraph with **bold**, *italic*, ~~strike~~, <u>underline</u>, ==highlight==, \`code\` and a [link](https://example.com).

## Lists

- one
- two
  - nested

1. first
2. second

- [ ] todo
- [x] done

> A quote.

\`\`\`js
const x = 1;

const y = 2;
\`\`\`

---

| a   | b   |
| --- | --- |
| 1   | 2   |

Line one  
line two

![alt text](https://example.com/image.png)`;

const HTML =
  '<h1>Title</h1><p style="text-align: center;">Centered <strong>bold</strong> and <a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com">link</a>.</p>' +
  '<ul><li><p>one</p></li><li><p>two</p></li></ul><blockquote><p>quote</p></blockquote><pre><code class="language-ts">let a = 1;</code></pre><hr>' +
  '<ul data-type="taskList"><li data-checked="true" data-type="taskItem"><label><input type="checkbox" checked="checked"><span></span></label><div><p>done</p></div></li></ul>';

const JSON_DOC: JSONContent = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Heading' }] },
    {
      type: 'paragraph',
      attrs: { textAlign: 'right' },
      content: [
        { type: 'text', text: 'Plain, ' },
        { type: 'text', marks: [{ type: 'bold' }, { type: 'italic' }], text: 'bold italic' },
        { type: 'hardBreak' },
        { type: 'text', marks: [{ type: 'link', attrs: { href: 'https://example.com' } }], text: 'a link' },
      ],
    },
    {
      type: 'orderedList',
      attrs: { start: 3 },
      content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'third' }] }] }],
    },
    { type: 'codeBlock', attrs: { language: 'python' }, content: [{ type: 'text', text: 'print("hi")\n\n\nprint("bye")' }] },
  ],
};

describe('conversion: content in equals content out, through a Y.Doc', () => {
  it('Markdown', () => {
    expect(throughYDoc(MARKDOWN, 'markdown')).toBe(MARKDOWN);
  });

  it('HTML', () => {
    expect(throughYDoc(HTML, 'html')).toBe(HTML);
  });

  it('JSON (as a string or as an object)', () => {
    expect(withoutDefaults(JSON.parse(throughYDoc(JSON_DOC, 'json')))).toEqual(JSON_DOC);
    expect(withoutDefaults(JSON.parse(throughYDoc(JSON.stringify(JSON_DOC), 'json')))).toEqual(JSON_DOC);
  });

  it('plain text: blank lines separate paragraphs, single line breaks are hard breaks', () => {
    const text = 'First paragraph\nwith a second line.\n\nSecond paragraph.';
    expect(throughYDoc(text, 'text')).toBe(text);
    expect(throughYDoc('a\r\nb\r\n\r\nc\r\n', 'text')).toBe('a\nb\n\nc');
  });

  it('one document in every format', () => {
    const markdown = '## Plan\n\n- **Ship** it\n- test it\n\n| k | v |\n| --- | --- |\n| a | 1 |';
    expect(throughYDoc(markdown, 'markdown', 'html')).toBe(
      '<h2>Plan</h2><ul><li><p><strong>Ship</strong> it</p></li><li><p>test it</p></li></ul>' +
        '<table style="min-width: 50px;"><colgroup><col style="min-width: 25px;"><col style="min-width: 25px;"></colgroup><tbody>' +
        '<tr><th colspan="1" rowspan="1"><p>k</p></th><th colspan="1" rowspan="1"><p>v</p></th></tr>' +
        '<tr><td colspan="1" rowspan="1"><p>a</p></td><td colspan="1" rowspan="1"><p>1</p></td></tr></tbody></table>',
    );
    expect(throughYDoc(markdown, 'markdown', 'text')).toBe('Plan\n\nShip it\ntest it\n\nk\tv\na\t1');
  });
});

describe('conversion: parsing fits content to the editor', () => {
  it('a soft line break in Markdown is a space; two trailing spaces are a hard break', () => {
    expect(throughYDoc('wrapped\nline', 'markdown')).toBe('wrapped line');
    expect(throughYDoc('hard  \nbreak', 'markdown', 'json')).toContain('"type":"hardBreak"');
  });

  it('headings deeper than the editor offers become its deepest level', () => {
    expect(throughYDoc('##### Deep', 'markdown')).toBe('### Deep');
  });

  it('HTML keeps only what the schema knows: no scripts, event handlers or javascript: links', () => {
    const html = throughYDoc('<p>hi<script>alert(1)</script><a href="javascript:alert(1)">x</a></p><img src="a.png" onerror="alert(1)">', 'html');
    expect(html).toBe('<p>hix</p><img src="a.png">');
  });

  it('a link with an unsafe address is plain text in every format; raw HTML in Markdown is text', () => {
    expect(throughYDoc('[x](javascript:alert(1)) [y](/relative) <b>b</b>', 'markdown', 'markdown')).toBe('x [y](/relative) &lt;b&gt;b&lt;/b&gt;');
    const json = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'z', marks: [{ type: 'link', attrs: { href: 'java\tscript:alert(1)' } }] }] }],
    };
    expect(throughYDoc(json, 'json', 'html')).toBe('<p>z</p>');
  });

  it('empty content is one empty paragraph in every format', () => {
    for (const format of ['markdown', 'html', 'text'] as const) {
      expect(throughYDoc('', format, 'json')).toBe('{"type":"doc","content":[{"type":"paragraph","attrs":{"textAlign":null,"indent":null}}]}');
    }
    expect(throughYDoc({ type: 'doc' }, 'json', 'markdown')).toBe('');
    expect(exportBody(new Y.Doc(), 'html')).toBe('<p></p>');
  });

  it('content that does not parse or fit is a ContentError that says what was expected', () => {
    const problem = (content: string | JSONContent, format: ContentFormat) => {
      try {
        parseContent(content, format);
      } catch (error) {
        expect(error).toBeInstanceOf(ContentError);
        return (error as Error).message;
      }
      throw new Error('expected a ContentError');
    };
    expect(problem('{"type":', 'json')).toMatch(/^the json content could not be parsed/);
    expect(problem('[1, 2]', 'json')).toMatch(/^JSON content must be a document: an object like \{"type":"doc"/);
    expect(problem({ type: 'paragraph' }, 'json')).toMatch(/^JSON content must be a document/);
    expect(problem({ type: 'doc', content: [{ type: 'video' }] }, 'json')).toBe('the content does not fit the document schema: Unknown node type: video');
    expect(problem({ type: 'doc', content: [{ type: 'text', text: 'loose' }] }, 'json')).toMatch(
      /^the content does not fit the document schema: Invalid content for node doc/,
    );
    expect(problem({ type: 'doc' } as unknown as string, 'markdown')).toBe('markdown content must be a string');
  });
});

describe('conversion: changes to a live document', () => {
  /** Two replicas of one document, as two editors hold it. */
  function replicas(markdown: string): [Y.Doc, Y.Doc] {
    const a = new Y.Doc();
    const b = new Y.Doc();
    Y.applyUpdate(a, initialUpdate(parseContent(markdown, 'markdown')));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    return [a, b];
  }
  const sync = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
  /** Types `text` at the end of the `index`th paragraph, as an editor does. */
  const typeInto = (doc: Y.Doc, index: number, text: string) => {
    const paragraph = doc.getXmlFragment(BODY_FIELD).get(index) as Y.XmlElement;
    const run = paragraph.get(0) as Y.XmlText;
    run.insert(run.length, text);
  };

  it('replacing keeps unchanged blocks, so concurrent typing in them survives', () => {
    const [server, editor] = replicas('Keep me.\n\nChange me.\n\nKeep me too.');
    typeInto(editor, 0, ' Typed meanwhile.');
    server.transact(() => replaceBody(server, parseContent('Keep me.\n\nChanged.\n\nKeep me too.', 'markdown')));
    sync(editor, server);
    sync(server, editor);
    const expected = 'Keep me. Typed meanwhile.\n\nChanged.\n\nKeep me too.';
    expect(exportBody(server, 'markdown')).toBe(expected);
    expect(exportBody(editor, 'markdown')).toBe(expected);
  });

  it('appending adds blocks after the body and merges with concurrent typing', () => {
    const [server, editor] = replicas('Start.');
    typeInto(editor, 0, ' More.');
    server.transact(() => appendBody(server, parseContent('Appended **one**.\n\nAppended two.', 'markdown')));
    sync(editor, server);
    sync(server, editor);
    const expected = 'Start. More.\n\nAppended **one**.\n\nAppended two.';
    expect(exportBody(server, 'markdown')).toBe(expected);
    expect(exportBody(editor, 'markdown')).toBe(expected);
  });
});

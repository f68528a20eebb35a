import { describe, expect, it } from 'vitest';
import { parseContent } from '../../shared/conversion';
import { CONTENT_BOMBS } from '../../testing/contentBombs';
import { honestMarkdown } from '../../testing/markdownDocuments';
import { SeededRandom } from '../../testing/seededRandom';
import { ConversionError } from '../conversion/ConversionError';
import { scanHtml, scanJsonDepth } from '../conversion/contentLimits';
import { parseWithLimits } from '../conversion/parseWithLimits';

const LIMITS = { maxDepth: 20, maxNodes: 500 };

/** The reason `work` was refused, or 'ok'. */
function outcome(work: () => unknown): string {
  try {
    work();
    return 'ok';
  } catch (error) {
    if (error instanceof ConversionError) return error.reason;
    throw error;
  }
}

describe('content limits', () => {
  it('[C8] the HTML scan counts elements and follows nesting as parsers do: void, optional-end, raw-text and foreign elements, comments, quoted ">"', () => {
    const scan = (html: string) => outcome(() => scanHtml(html, LIMITS));
    expect(scan('<div>'.repeat(20))).toBe('ok');
    expect(scan('<div>'.repeat(21))).toBe('too-deep');
    expect(scan('<div></div>'.repeat(500))).toBe('ok');
    expect(scan('<div></div>'.repeat(501))).toBe('too-many-nodes');
    // Siblings, not nesting: void elements, unclosed paragraphs and list items, closed elements.
    expect(scan('<p>a<br><img src=x><li>b'.repeat(100))).toBe('ok');
    expect(scan('<ul><li>'.repeat(21))).toBe('too-deep');
    // An end tag closes everything opened inside its element; a stray one closes nothing.
    expect(scan(`<section>${'<b><i>'.repeat(9)}</section>`.repeat(20))).toBe('ok');
    expect(scan(`${'</span>'.repeat(400)}${'<div>'.repeat(21)}`)).toBe('too-deep');
    // Tags inside comments, raw text and quoted attribute values are not tags.
    expect(scan(`<!--${'<div>'.repeat(100)}--><script>${'<div>'.repeat(100)}</script><a title="${'<div>'.repeat(100)}">x</a>`)).toBe('ok');
    // "/>" closes only inside SVG and MathML; in HTML the element stays open.
    expect(scan(`<svg>${'<path/>'.repeat(100)}</svg>`)).toBe('ok');
    expect(scan('<div/>'.repeat(21))).toBe('too-deep');
  });

  it('[C8] the JSON scan measures bracket depth outside strings, before JSON.parse runs', () => {
    const scan = (text: string) => outcome(() => scanJsonDepth(text, 10, 'the JSON', LIMITS));
    expect(scan(`${'['.repeat(10)}${']'.repeat(10)}`)).toBe('ok');
    expect(scan(`${'['.repeat(11)}${']'.repeat(11)}`)).toBe('too-deep');
    expect(scan(`{"a":"${'[{'.repeat(50)}\\"${'['.repeat(50)}"}`)).toBe('ok');
    expect(scan('['.repeat(4_000_000))).toBe('too-deep');
  });

  it('[C8] every shape of testing/contentBombs.ts is refused by depth or node count at 64 KB, before or right after parsing, or converts within the limits', () => {
    const limits = { maxDepth: 100, maxNodes: 1000 };
    const refusals: Record<string, string> = {};
    for (const bomb of CONTENT_BOMBS) {
      if (['md-open-emphasis', 'md-underscore-runs', 'md-brackets', 'md-open-links'].includes(bomb.id)) continue; // quadratic in marked: their bound is the worker's time budget
      refusals[bomb.id] = outcome(() => parseWithLimits(bomb.make(64 * 1024), bomb.format, limits));
    }
    expect(refusals).toEqual({
      'md-strong-runs': 'too-many-nodes',
      'md-short-paragraphs': 'too-many-nodes',
      'md-link-definitions': 'too-many-nodes',
      'md-deep-quotes': 'too-deep',
      'md-deep-lists': 'too-deep',
      'md-indented-lists': 'too-deep',
      'md-huge-table': 'too-many-nodes',
      'md-backtick-runs': 'too-many-nodes',
      'html-deep-divs': 'too-deep',
      'html-deep-inline': 'too-deep',
      'html-deep-lists': 'too-deep',
      'html-many-paragraphs': 'too-many-nodes',
      'html-huge-table': 'too-many-nodes',
      'html-formatting-reopened': 'too-deep',
      'json-deep-nodes': 'too-deep',
      'json-many-nodes': 'too-many-nodes',
      'json-deep-arrays': 'too-deep',
      'text-many-lines': 'too-many-nodes',
    });
  });

  it('[C8] honest content within the limits converts to exactly what parseContent makes of it', () => {
    const markdown = honestMarkdown(new SeededRandom(3), 60_000);
    const limits = { maxDepth: 100, maxNodes: 50_000 };
    expect(parseWithLimits(markdown, 'markdown', limits).toJSON()).toEqual(parseContent(markdown, 'markdown').toJSON());
    const html = '<h2>Plan</h2><ul><li><p>one <strong>two</strong></p><ul><li><p>three</p></li></ul></li></ul><table><tr><td>a</td></tr></table>';
    expect(parseWithLimits(html, 'html', limits).toJSON()).toEqual(parseContent(html, 'html').toJSON());
    const json = JSON.stringify(parseContent(markdown, 'markdown').toJSON());
    expect(parseWithLimits(json, 'json', limits).toJSON()).toEqual(parseContent(json, 'json').toJSON());
    expect(parseWithLimits('one\ntwo\n\nthree', 'text', limits).toJSON()).toEqual(parseContent('one\ntwo\n\nthree', 'text').toJSON());
  });

  it('[C8] a document nested just within the depth limit converts; one level more is refused naming CONVERSION_MAX_DEPTH', () => {
    const quotes = (depth: number) => `${'> '.repeat(depth)}deep`;
    expect(outcome(() => parseWithLimits(quotes(19), 'markdown', LIMITS))).toBe('ok');
    expect(() => parseWithLimits(quotes(21), 'markdown', LIMITS)).toThrow(/nested more than 20 levels deep.*\(CONVERSION_MAX_DEPTH\)/);
    expect(() => parseWithLimits('<p>a</p>'.repeat(501), 'html', LIMITS)).toThrow(/more than 500 nodes.*\(CONVERSION_MAX_NODES\)/);
  });
});

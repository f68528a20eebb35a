import { describe, expect, it } from 'vitest';
import { parseContent } from '../../shared/conversion';
import { honestMarkdown, trickyMarkdown } from '../../testing/markdownDocuments';
import { SeededRandom } from '../../testing/seededRandom';
import { lineDepth, planMarkdown } from '../conversion/markdownChunks';
import { parseMarkdownInChunks } from '../conversion/parseWithLimits';

const UNLIMITED = { maxDepth: 1000, maxNodes: 10_000_000 };
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

/** The whole text parsed at once, or the error it gives. */
function whole(markdown: string): unknown {
  try {
    return parseContent(markdown, 'markdown').toJSON();
  } catch (error) {
    return { error: String(error) };
  }
}

/** The text parsed in pieces of at least `chunkLines` lines, or the error it gives. */
function inPieces(markdown: string, chunkLines: number): unknown {
  try {
    return parseMarkdownInChunks(markdown, UNLIMITED, chunkLines).toJSON();
  } catch (error) {
    return { error: String(error) };
  }
}

describe('Markdown parsed in pieces', () => {
  it(`[C9] reads exactly like the whole text: fenced code and HTML holding blank lines, loose lists, lazy lines, blank-line runs, far link definitions (seed ${SEED}; FUZZ_SEED replays)`, () => {
    const random = new SeededRandom(SEED);
    let cuts = 0;
    for (let round = 0; round < 120; round++) {
      const markdown = trickyMarkdown(random, random.int(2, 30));
      for (const chunkLines of [1, 3, 8]) {
        cuts += planMarkdown(markdown, chunkLines).chunks.length - 1;
        expect(inPieces(markdown, chunkLines), `seed ${SEED}, round ${round}, pieces of ${chunkLines} lines:\n${markdown}`).toEqual(whole(markdown));
      }
    }
    // The fuzz must have cut documents, or it checked nothing.
    expect(cuts).toBeGreaterThan(500);
  });

  it('[C9] a long realistic document is cut into many pieces and reads the same', () => {
    const markdown = honestMarkdown(new SeededRandom(7), 200_000);
    expect(planMarkdown(markdown).chunks.length).toBeGreaterThan(20);
    expect(inPieces(markdown, 50)).toEqual(whole(markdown));
  });

  it('[C9] link definitions reach the pieces that use them, and the first definition of a label wins', () => {
    const filler = Array.from({ length: 12 }, (_, index) => `Paragraph ${index}.`).join('\n\n');
    const markdown = `See [early] and [late].\n\n[early]: https://example.com/first\n\n${filler}\n\n[early]: https://example.com/second\n\nAgain [early].\n\n${filler}\n\n[late]: https://example.com/late`;
    expect(planMarkdown(markdown, 4).chunks.length).toBeGreaterThan(3);
    const pieces = inPieces(markdown, 4);
    expect(pieces).toEqual(whole(markdown));
    expect(JSON.stringify(pieces)).not.toContain('https://example.com/second');
    expect(JSON.stringify(pieces)).toContain('https://example.com/late');
  });

  it('[C8] counts quote and list nesting from the markers at the start of a line and the indentation before them', () => {
    expect(lineDepth('plain text')).toBe(0);
    expect(lineDepth('    indented code')).toBe(0);
    expect(lineDepth('> quote')).toBe(1);
    expect(lineDepth('> > - 1. item')).toBe(4);
    expect(lineDepth('      - item')).toBe(4);
    expect(lineDepth('*emphasis*, not a list')).toBe(0);
    expect(lineDepth('1.5 kg is not a list')).toBe(0);
    expect(lineDepth('- '.repeat(500))).toBe(500);
    expect(planMarkdown('```\n> > > > inside code\n```\n\n> one').depth).toBe(1);
  });
});

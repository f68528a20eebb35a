import { describe, expect, it } from 'vitest';
import { attributeProblem, FORMAT_MARKS } from '../attributeRules';
import { documentSchema, exportNode, parseContent } from '../conversion';
import { SUGGESTION_MARKS } from '../suggestions/suggestionMarks';

/**
 * The `before` attribute of a format suggestion ([SG12], [SG1] of shared/suggestions/SUGGESTIONS.md):
 * only format marks, each with attribute values the schema's rules allow, so the server's schema
 * check (which checks every mark attribute with `attributeProblem`) holds for it.
 */

/** How the server's error for an invalid record begins. */
const INVALID = /attribute "before" of mark "suggestionFormat" must be an object from format mark names/;
const recordProblem = (value: unknown) => attributeProblem('mark', 'suggestionFormat', 'before', value);

describe('what a format suggestion records', () => {
  it('[SG12] the format marks are every mark of the schema but the suggestion marks', () => {
    const marks = Object.keys(documentSchema().marks).filter((name) => !(SUGGESTION_MARKS as readonly string[]).includes(name));
    expect([...FORMAT_MARKS].sort()).toEqual(marks.sort());
  });

  it('[SG12] [SG1] `before` holds format marks with valid attributes only', () => {
    expect(recordProblem({})).toBeNull();
    expect(
      recordProblem({ bold: {}, italic: {}, textStyle: { color: '#e03131', fontSize: '14pt' }, link: { href: 'https://example.com', target: '_blank' } }),
    ).toBeNull();
    expect(recordProblem({ script: {} })).toMatch(INVALID);
    expect(recordProblem({ suggestionInsert: { id: 'x', author: 'a', authorName: 'A', time: 1 } })).toMatch(INVALID);
    expect(recordProblem({ textStyle: { color: 'red;background:url(https://evil.example)' } })).toMatch(INVALID);
    expect(recordProblem({ link: { href: 'javascript:alert(1)' } })).toMatch(INVALID);
    expect(recordProblem({ bold: { onclick: 'x' } })).toMatch(INVALID);
    expect(recordProblem([{ bold: {} }])).toMatch(INVALID);
    expect(recordProblem({ bold: null })).toMatch(INVALID);
  });

  it('[SG12] [SG9] HTML with a format suggestion reads back; one with an invalid record is read as plain text', () => {
    const html =
      '<p><span data-suggestion-format="" data-suggestion="f1" data-author="ann" data-author-name="Ann" data-time="1" data-before="{&quot;italic&quot;:{}}"><strong>ok</strong></span>' +
      '<span data-suggestion-format="" data-suggestion="f2" data-author="ann" data-before="{&quot;script&quot;:{}}">bad</span></p>';
    const node = parseContent(html, 'html');
    const marks = node
      .toJSON()
      .content[0].content.map((text: { text: string; marks?: Array<{ type: string; attrs?: Record<string, unknown> }> }) => [
        text.text,
        (text.marks ?? []).map((mark) => (mark.type === 'suggestionFormat' ? `suggestionFormat ${JSON.stringify(mark.attrs?.before)}` : mark.type)),
      ]);
    expect(marks).toEqual([
      ['ok', ['bold', 'suggestionFormat {"italic":{}}']],
      ['bad', []],
    ]);
    // Exports show the formatting as it was ([SG9]).
    expect(exportNode(node, 'html')).toContain('<em>ok</em>');
  });
});

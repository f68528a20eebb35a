import { expect } from '@playwright/test';

/** One Content-Security-Policy violation a browser reported and the server logged. */
export interface LoggedViolation {
  directive: string;
  blocked: string;
  document: string;
  sample?: string;
}

/** The violations a server logged (its `csp-violation` lines) in `output`. */
export function cspViolationsIn(output: string): LoggedViolation[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"event":"csp-violation"'))
    .map((line) => JSON.parse(line) as LoggedViolation);
}

/**
 * Asserts that the server logged no CSP violation in `output` after offset `from`: every page the
 * tests open (the app, the embed page in another site's frame) runs under the policy untouched.
 */
export function expectNoCspViolations(output: string, from = 0): void {
  // A server keeps only the end of a long output; then the whole of what is kept is checked.
  const since = from <= output.length ? output.slice(from) : output;
  const reported = cspViolationsIn(since).map(({ directive, blocked, document, sample }) => ({ directive, blocked, document, sample }));
  expect(reported, 'Content-Security-Policy violations reported by the browser').toEqual([]);
}

import { describe, expect, it } from 'vitest';
import { pagePolicy } from '../http/securityHeaders';

/** The directives of a policy, by name. */
const directives = (policy: string) => new Map(policy.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)]));

describe('page policy', () => {
  it('[B9] relaxes scripts (eval) and style elements only in development; production allows neither', () => {
    const production = directives(pagePolicy({ nonce: 'abc', framedBy: [] }));
    expect(production.get('script-src')).toEqual(["'nonce-abc'", "'strict-dynamic'"]);
    expect(production.get('style-src')).toEqual(["'self'", "'nonce-abc'"]);
    const development = directives(pagePolicy({ nonce: 'abc', framedBy: [], dev: true }));
    expect(development.get('script-src')).toEqual(["'nonce-abc'", "'strict-dynamic'", "'unsafe-eval'"]);
    // Browsers ignore 'unsafe-inline' next to a nonce: development style-src has none.
    expect(development.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    for (const policy of [production, development]) expect(policy.get('object-src')).toEqual(["'none'"]);
  });

  it('[B9] frames: the app alone, the listed sites besides it, or any site for *', () => {
    expect(directives(pagePolicy({ nonce: 'n', framedBy: [] })).get('frame-ancestors')).toEqual(["'self'"]);
    expect(directives(pagePolicy({ nonce: 'n', framedBy: ['https://a.example', 'https://b.example'] })).get('frame-ancestors')).toEqual([
      "'self'",
      'https://a.example',
      'https://b.example',
    ]);
    expect(directives(pagePolicy({ nonce: 'n', framedBy: ['*'] })).get('frame-ancestors')).toEqual(['*']);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config';

/** Workspace mode's options: all of them or none, each checked with a message naming it. */
describe('workspace options', () => {
  const complete = {
    OIDC_ISSUER: 'https://sso.example.com/realms/acme',
    OIDC_CLIENT_ID: 'quire',
    OIDC_CLIENT_SECRET: 's3cret',
    PUBLIC_URL: 'https://docs.example.com',
  };

  it('are read from the environment and flags', () => {
    const config = parseConfig(['--session-days', '3'], complete);
    expect(config).toMatchObject({
      oidcIssuer: complete.OIDC_ISSUER,
      oidcClientId: 'quire',
      oidcClientSecret: 's3cret',
      publicUrl: complete.PUBLIC_URL,
      sessionDays: 3,
    });
    expect(parseConfig([], {}).oidcIssuer).toBeUndefined();
  });

  it('refuse an issuer without its client or without PUBLIC_URL, and malformed URLs', () => {
    expect(() => parseConfig([], { ...complete, OIDC_CLIENT_SECRET: '' })).toThrow(/OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set/);
    expect(() => parseConfig([], { ...complete, PUBLIC_URL: '' })).toThrow(/PUBLIC_URL must be set with OIDC_ISSUER/);
    expect(() => parseConfig([], { ...complete, PUBLIC_URL: 'https://docs.example.com/app' })).toThrow(ConfigError);
    expect(() => parseConfig([], { ...complete, OIDC_ISSUER: 'sso.example.com' })).toThrow(/OIDC_ISSUER must be an http/);
  });
});

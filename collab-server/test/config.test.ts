import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withConfigTable } from '../../scripts/configTable';
import { ConfigError, helpText, OPTIONS, parseConfig } from '../config';

describe('configuration', () => {
  it('reads environment variables, and flags win over them', () => {
    const config = parseConfig(['--port', '4000', '--max-messages-per-second=50'], { PORT: '3000', DATA_DIR: '/tmp/x' });
    expect(config.port).toBe(4000);
    expect(config.maxMessagesPerSecond).toBe(50);
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.host).toBe(OPTIONS.host.default);
  });

  it('refuses bad values with a message naming the option', () => {
    expect(() => parseConfig([], { PORT: 'eighty' })).toThrow(new ConfigError('PORT must be a whole number (got "eighty")'));
    expect(() => parseConfig(['--port', '70000'])).toThrow(/--port must be between 0 and 65535/);
    expect(() => parseConfig([], { AUTH_SECRET: 'short' })).toThrow(/AUTH_SECRET must be at least 32 characters/);
    expect(() => parseConfig([], { ALLOWED_ORIGINS: 'example.com' })).toThrow(/ALLOWED_ORIGINS entries must look like/);
    expect(() => parseConfig(['--no-such-flag', '1'])).toThrow(/unknown option --no-such-flag/);
    expect(() => parseConfig([], { CREATE_ON_CONNECT: 'maybe' })).toThrow(/CREATE_ON_CONNECT must be true or false/);
    expect(() => parseConfig([], { LINK_MANAGER_ROLES: 'editor,owner' })).toThrow(
      /LINK_MANAGER_ROLES entries must be roles: viewer, commenter, editor, admin \(got "owner"\)/,
    );
    expect(parseConfig([], {}).linkManagerRoles).toEqual(['editor', 'admin']);
    expect(parseConfig(['--link-manager-roles', 'viewer,editor']).linkManagerRoles).toEqual(['viewer', 'editor']);
    expect(() => parseConfig([], { TRUST_PROXY: 'loopback,proxy.example' })).toThrow(
      /TRUST_PROXY entries must be addresses, CIDR ranges .*got "proxy.example"/,
    );
    expect(parseConfig([], { TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1']);
  });

  it('lists every option in --help', () => {
    const help = helpText('collab-server');
    for (const option of Object.values(OPTIONS)) expect(help).toContain(option.env);
  });

  it('the README configuration table matches the options', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme, 'run `npx tsx scripts/configTable.ts` to regenerate the table').toBe(withConfigTable(readme));
  });
});

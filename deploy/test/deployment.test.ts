import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../../collab-server/config';
import { CADDY_CONFIG_FILE } from '../../testing/caddyProxy';
import { NGINX_CONFIG_FILE } from '../../testing/nginxProxy';

/**
 * The deployment files: the README shows the nginx and Caddy configurations the tests run, and the systemd
 * unit is valid for systemd and keeps the settings the README describes.
 */

const read = (relative: string) => readFileSync(new URL(relative, import.meta.url), 'utf8');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNIT_FILE = new URL('../systemd/quire.service', import.meta.url).pathname;

/** `[Section]` → key → values (a key may repeat: `Environment=`). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

/** Seconds of a systemd time span such as `60s`, `2min`, `1min 30s`. */
function seconds(span: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  let total = 0;
  for (const [, value, unit] of span.matchAll(/(\d+)\s*([a-z]*)/g)) total += Number(value) * (units[unit || 's'] ?? Number.NaN);
  return total;
}

const CONFIG_VARIABLES = new Set(Object.values(OPTIONS).map((option) => option.env));

describe('deployment files', () => {
  for (const { marker, language, file } of [
    { marker: 'nginx-config', language: 'nginx', file: NGINX_CONFIG_FILE },
    { marker: 'caddy-config', language: 'caddy', file: CADDY_CONFIG_FILE },
  ]) {
    const relative = path.relative(ROOT, file);
    it(`the README shows ${relative}, the configuration the tests run, as it is`, () => {
      const readme = read('../../README.md');
      const shown = new RegExp(`<!-- ${marker}:start[^>]*-->\\n\`\`\`${language}\\n([\\s\\S]*?)\`\`\`\\n<!-- ${marker}:end -->`).exec(readme)?.[1];
      expect(shown, `README.md should show the ${language} configuration between the ${marker} markers`).toBeDefined();
      expect(shown, `copy ${relative} into README.md between the ${marker} markers`).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('the systemd unit passes systemd-analyze verify without a warning', () => {
    const tool = spawnSync('systemd-analyze', ['--version']);
    if (tool.error) throw new Error('systemd-analyze is needed for this test: install it (apt-get install systemd)');
    const result = spawnSync('systemd-analyze', ['verify', UNIT_FILE], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('the systemd unit runs the server alone as its own user over /var/lib/quire, hardened, restarted on failure, stopped gracefully', () => {
    const unit = parseUnit(read('../systemd/quire.service'));
    const service = unit.get('Service');
    if (!service) throw new Error('the unit has no [Service] section');
    const one = (key: string) => {
      const values = service.get(key);
      expect(values, `${key}= should be set once`).toHaveLength(1);
      return values?.[0];
    };
    // The server process itself, so SIGTERM reaches it alone and once (see README).
    expect(one('ExecStart')).toBe('/usr/bin/node scripts/run.mjs start');
    expect(JSON.parse(read('../../package.json')).scripts.start, 'the unit runs what npm start runs').toBe('exec node scripts/run.mjs start');
    expect(existsSync(new URL('../../scripts/run.mjs', import.meta.url))).toBe(true);
    expect(one('User')).toBe('quire');
    expect(one('StateDirectory')).toBe('quire');
    expect(one('StateDirectoryMode')).toBe('0700');

    const environment = new Map((service.get('Environment') ?? []).map((entry) => entry.split('=', 2) as [string, string]));
    expect(environment.get('DATA_DIR')).toBe('/var/lib/quire');
    expect(environment.get('TRUST_PROXY')).toBe('loopback');
    expect(environment.get('HOST')).toBe('127.0.0.1');
    for (const name of environment.keys()) if (name !== 'NODE_ENV') expect(CONFIG_VARIABLES, `${name} is no option`).toContain(name);
    // Secrets come from a root-only file, never from the unit (which anyone may read).
    expect(one('EnvironmentFile')).toBe('-/etc/quire/quire.env');
    for (const secret of ['AUTH_SECRET', 'WEBHOOK_SECRET']) expect(environment.has(secret)).toBe(false);
    const example = read('../systemd/quire.env');
    const named = [...example.matchAll(/^#?([A-Z_]+)=/gm)].map((match) => match[1]);
    expect(named).toEqual(expect.arrayContaining(['AUTH_SECRET', 'WEBHOOK_SECRET']));
    for (const name of named) expect(CONFIG_VARIABLES, `quire.env names ${name}, which is no option`).toContain(name);

    expect(one('Restart')).toBe('on-failure');
    expect(one('ReadWritePaths')).toBe('/var/lib/quire');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      RestrictSUIDSGID: 'yes',
      CapabilityBoundingSet: '',
    })) {
      expect(one(key), key).toBe(value);
    }

    // SIGTERM to the server alone; systemd waits past the server's own shutdown deadline and the
    // wind-down after it (webhooks and version captures, at most 5 s each) before killing.
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('KillMode')).toBe('mixed');
    const shutdownSeconds = Number(OPTIONS.shutdownTimeoutMs.default) / 1000;
    expect(seconds(one('TimeoutStopSec') ?? '')).toBeGreaterThanOrEqual(shutdownSeconds + 10 + 10);
  });
});

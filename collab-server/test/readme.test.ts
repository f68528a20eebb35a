import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_DEFAULTS, helpText, OPTIONS } from '../config';

/**
 * What the README tells a new user holds for the code and the CI as they are: the Node.js lines
 * it names are the ones package.json accepts and `.ci/run` tests, its example addresses are where
 * `npm start` serves, and sharing a document's address says what that takes.
 */

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const readme = read('README.md');

/** The README's section under the heading `## <title>`, up to the next such heading, with its lines joined. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `a "## ${title}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end).replace(/\s+/g, ' ');
}

describe('the README as a new user reads it', () => {
  it('names the Node.js lines that package.json accepts and .ci/run tests', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const lines = engines.split('||').map((range) => {
      const match = /^\s*\^(\d+)\.(\d+)\.\d+\s*$/.exec(range);
      if (!match) throw new Error(`engines.node should list caret ranges, one per Node.js line (got "${range}")`);
      return { major: Number(match[1]), minor: Number(match[2]) };
    });
    const ci = read('.ci/run');
    const tested = [/^NODE_LTS=(\d+)/m, /^NODE_OTHERS="([\d ]+)"/m].flatMap((pattern) => (pattern.exec(ci)?.[1] ?? '').split(' ').map(Number));
    expect(tested.toSorted((a, b) => a - b)).toEqual(lines.map((line) => line.major));

    const named = lines.map(({ major, minor }) => (minor > 0 ? `${major} (${major}.${minor} or newer)` : `${major}`));
    expect(section('Run it')).toContain(`You need Node.js ${named.slice(0, -1).join(', ')} or ${named.at(-1)}`);
  });

  it('every test file .ci/run runs on the other Node.js lines exists (a renamed one would silently drop out)', () => {
    const list = /^NODE_SURFACES=\(\n([\s\S]*?)^\)/m.exec(read('.ci/run'))?.[1] ?? '';
    const files = list
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(existsSync(new URL(`../../${file}`, import.meta.url)), file).toBe(true);
  });

  it('its example addresses are where `npm start` serves (port 3000), and the table gives both default ports', () => {
    const ports = new Set([...readme.matchAll(/\b(?:localhost|127\.0\.0\.1):(\d+)/g)].map((match) => match[1]));
    expect([...ports]).toEqual([APP_DEFAULTS.PORT]);
    expect(readme).toContain('npm run backup -- --url http://127.0.0.1:3000 ');
    expect(readme).toContain(`| \`PORT\` | \`--port\` | ${APP_DEFAULTS.PORT} (\`npm start\`), ${OPTIONS.port.default} (\`npm run collab-server\`) |`);
    expect(helpText('npm start --', APP_DEFAULTS)).toMatch(new RegExp(`--port, PORT .*\\(default: ${APP_DEFAULTS.PORT}\\)`));
  });

  it('sharing a document’s address: by default Quire listens on the loopback address, so the README says to set HOST=0.0.0.0 or use a reverse proxy', () => {
    expect(OPTIONS.host.default).toBe('127.0.0.1');
    const runIt = section('Run it');
    expect(runIt).toContain('listens on `127.0.0.1`, so the link works only on this machine');
    expect(runIt).toContain('`HOST=0.0.0.0 npm start`');
    expect(runIt).toContain('behind a reverse proxy');
  });
});

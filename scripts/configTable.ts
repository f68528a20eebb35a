import { APP_DEFAULTS, OPTIONS } from '../collab-server/config';

/** The README's configuration table, generated from the options table in `collab-server/config.ts`. */
export function configTable(): string {
  const rows = Object.values(OPTIONS).map((option) => {
    const own = option.default === undefined ? '—' : Array.isArray(option.default) ? option.default.join(',') || '—' : String(option.default);
    const app = APP_DEFAULTS[option.env];
    const fallback = app === undefined ? own : `${app} (\`npm start\`), ${own} (\`npm run collab-server\`)`;
    const flag = `--${option.env.toLowerCase().replace(/_/g, '-')}`;
    return `| \`${option.env}\` | \`${flag}\` | ${fallback} | ${option.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | Flag | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Returns `readme` with the text between the config-table markers replaced by the current table. */
export function withConfigTable(readme: string): string {
  return readme.replace(/(<!-- config-table:start[^>]*-->\n)[\s\S]*?(<!-- config-table:end -->)/, `$1${configTable()}\n$2`);
}

// `npx tsx scripts/configTable.ts` rewrites the table in README.md.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const file = new URL('../README.md', import.meta.url);
  writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')));
}

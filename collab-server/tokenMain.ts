/**
 * `npm run -s token -- --role <role> --doc <document or *>`: prints a collab token signed with the
 * server's secret (AUTH_SECRET, or the one generated in DATA_DIR). See `--help`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH, mintToken, ROLES, type Role } from '../shared/token';
import { SECRET_FILE } from './authSecret';

const HELP = `Usage: npm run -s token -- --role <${ROLES.join('|')}> --doc <document name or *> [options]

Prints a token (a JWT signed with HS256) for the collab server, for scripts and operators.

  --role <role>      ${ROLES.join(', ')}; an admin token with --doc '*' can take backups
  --doc <name>       The document the token opens, or * for every document
  --sub <id>         The user id in the token (default: operator)
  --name <name>      The name others see (default: the --sub value)
  --expires <secs>   Lifetime in seconds (default: 3600)
  --data-dir <dir>   Where the generated secret is kept (default: DATA_DIR, else ./data)
  --help             Show this text

The secret is AUTH_SECRET when set, else <data-dir>/${SECRET_FILE} (written by the server's
first start). Use -s so npm prints nothing but the token: TOKEN=$(npm run -s token -- ...).`;

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    doc: { type: 'string' },
    sub: { type: 'string', default: 'operator' },
    name: { type: 'string' },
    expires: { type: 'string', default: '3600' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean' },
  },
  strict: true,
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const fail = (message: string, code = 2): never => {
  console.error(`token: ${message}`);
  process.exit(code);
};
const role = values.role as Role | undefined;
if (!role || !ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}\n\n${HELP}`);
if (!values.doc) fail(`--doc is required (a document name, or * for all)\n\n${HELP}`);
const expires = Number(values.expires);
if (!Number.isSafeInteger(expires) || expires < 1) fail(`--expires must be a whole number of seconds (got "${values.expires}")`);

const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? './data';
const secret = await secretFrom(process.env.AUTH_SECRET, dataDir);
const sub = values.sub as string;
console.log(await mintToken(secret, { sub, name: values.name ?? sub, doc: values.doc as string, role: role as Role }, expires));

async function secretFrom(configured: string | undefined, folder: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(folder, SECRET_FILE);
  const secret = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => fail(`AUTH_SECRET is not set and ${file} cannot be read; set AUTH_SECRET, pass --data-dir, or start the server once to generate it`, 1),
  );
  if (secret.length < MIN_SECRET_LENGTH) fail(`${file} holds a secret shorter than ${MIN_SECRET_LENGTH} characters`, 1);
  return secret;
}

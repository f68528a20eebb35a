/**
 * `npm run restore -- --data-dir <empty DATA_DIR> --in <file>`: restores a backup with the server
 * stopped. See `--help`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SECRET_FILE } from '../authSecret';
import { PRIVATE_UMASK } from '../dataFolder';
import { formatBytes, Progress } from './progress';
import { restoreFromFile } from './restoreFromFile';

const HELP = `Usage: npm run restore -- --data-dir <DATA_DIR> --in <backup file>

Restores every document of a backup (made with npm run backup), with its version history, into
DATA_DIR, with no server running on it. DATA_DIR may be new; its documents folder must not exist or be empty.

  --data-dir <dir>  The DATA_DIR the server will use (default: the DATA_DIR variable)
  --in <file>       The backup file
  --help            Show this text

The checksum is verified before the documents are moved into place: a damaged or incomplete
file changes nothing. Progress goes to stderr.`;

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, in: { type: 'string' }, help: { type: 'boolean' } },
  strict: true,
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const dataDir = values['data-dir'] ?? process.env.DATA_DIR;
const missing = [!dataDir && '--data-dir (or DATA_DIR)', !values.in && '--in'].filter(Boolean);
if (missing.length > 0) {
  console.error(`restore: missing ${missing.join(', ')}\n\n${HELP}`);
  process.exit(2);
}

// The restored documents are as private as the data folder they go into.
process.umask(PRIVATE_UMASK);
const progress = new Progress('restore');
const started = performance.now();
try {
  const result = await restoreFromFile({ dataDir: dataDir as string, input: values.in as string, progress });
  const seconds = (performance.now() - started) / 1000;
  progress.finish(
    `${result.documents} documents, ${result.tombstones} tombstones, ${result.updates} updates, ${result.versions} versions, ${result.blobs} images, ${formatBytes(result.bytes)} in ${seconds.toFixed(1)} s; ` +
      `checksum verified; restored into ${path.resolve(dataDir as string)}`,
  );
  console.error(
    `restore: the backup holds no token secret. Start the server with the AUTH_SECRET it had, or copy its ${SECRET_FILE} file into ` +
      `${path.resolve(dataDir as string)}; otherwise a new secret is generated and tokens signed with the old one are refused.`,
  );
} catch (error) {
  console.error(`restore failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/**
 * `npm run backup -- --url http://host:port --out <file>` with the admin token in ADMIN_TOKEN
 * (or `--token`): saves a consistent backup of a running server. See `--help`.
 */
import { parseArgs } from 'node:util';
import { PRIVATE_UMASK } from '../dataFolder';
import { backupToFile } from './backupToFile';
import { formatBytes, Progress } from './progress';

const HELP = `Usage: npm run backup -- --url <server URL> --out <file> [--token <admin token>]

Saves every document of a running collab server, with its version history, into <file>, while it
keeps serving editors.

  --url <URL>       The server, e.g. http://127.0.0.1:1234 (the same port as the editors use)
  --out <file>      The backup file to write; it must not exist
  --token <token>   A token with role "admin" and doc "*" (npm run -s token -- --role admin --doc '*');
                    better: put it in the ADMIN_TOKEN environment variable, so it stays out of
                    the process list and shell history
  --help            Show this text

Progress goes to stderr. The file appears only when the backup is complete and verified.`;

const { values } = parseArgs({
  options: { url: { type: 'string' }, out: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' } },
  strict: true,
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const token = values.token ?? process.env.ADMIN_TOKEN;
const missing = [!values.url && '--url', !values.out && '--out', !token && '--token (or ADMIN_TOKEN)'].filter(Boolean);
if (missing.length > 0) {
  console.error(`backup: missing ${missing.join(', ')}\n\n${HELP}`);
  process.exit(2);
}

// A backup holds every document and the links' hashes: only this user may read it.
process.umask(PRIVATE_UMASK);
const progress = new Progress('backup');
const started = performance.now();
try {
  const result = await backupToFile({ url: values.url as string, token: token as string, out: values.out as string, progress });
  const seconds = (performance.now() - started) / 1000;
  progress.finish(
    `${result.documents} documents, ${result.tombstones} tombstones, ${result.updates} updates, ${result.versions} versions, ${result.blobs} images, ${formatBytes(result.bytes)} in ${seconds.toFixed(1)} s ` +
      `(${formatBytes(result.bytes / Math.max(seconds, 0.001))}/s); checksum verified; saved to ${values.out}`,
  );
} catch (error) {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

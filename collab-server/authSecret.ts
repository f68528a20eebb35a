import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MIN_SECRET_LENGTH } from '../shared/token';
import { FILE_MODE, FOLDER_MODE } from './dataFolder';

/** Where the generated secret is kept inside DATA_DIR. */
export const SECRET_FILE = 'auth-secret';

/**
 * The token secret: `configured` when set; otherwise the one kept in `dataDir`, generated on
 * first start. Keeping it means local use needs no setup and a restart keeps tokens valid.
 */
export async function resolveAuthSecret(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, SECRET_FILE);
  await mkdir(dataDir, { recursive: true, mode: FOLDER_MODE });
  try {
    // 'wx' fails if the file exists, so two processes starting at once cannot overwrite each other.
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: FILE_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = (await readFile(file, 'utf8')).trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`${file} holds a secret shorter than ${MIN_SECRET_LENGTH} characters; delete it to generate a new one or set AUTH_SECRET`);
  }
  return secret;
}

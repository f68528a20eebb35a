import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The LibreOffice program (`SOFFICE_PATH`, or `soffice` on PATH). */
const SOFFICE = process.env.SOFFICE_PATH ?? 'soffice';

/**
 * LibreOffice run headless, to check files against a real office suite. One profile folder per
 * instance, made once: the first start of a profile is the slow one, so a test file makes one.
 */
export class LibreOffice {
  private constructor(private readonly folder: string) {}

  /** A LibreOffice to convert with; fails, naming the package, when it is not installed. */
  static async start(): Promise<LibreOffice> {
    try {
      await run(SOFFICE, ['--version'], { timeout: 30_000 });
    } catch (error) {
      throw new Error(
        `LibreOffice is needed by this test and was not found as ${JSON.stringify(SOFFICE)} (${error instanceof Error ? error.message : String(error)}); install it (Debian: apt-get install libreoffice-writer-nogui) or set SOFFICE_PATH`,
      );
    }
    return new LibreOffice(await mkdtemp(path.join(os.tmpdir(), 'soffice-')));
  }

  /** Converts each of `files` (name → bytes) to `target` (a soffice `--convert-to` argument) in one run; returns the results by name, without extension. */
  async convert(files: Record<string, Uint8Array | string>, target: string): Promise<Record<string, Buffer>> {
    const input = await mkdtemp(path.join(this.folder, 'in-'));
    const output = await mkdtemp(path.join(this.folder, 'out-'));
    const paths = await Promise.all(
      Object.entries(files).map(async ([name, bytes]) => {
        const file = path.join(input, name);
        await writeFile(file, bytes);
        return file;
      }),
    );
    const profile = `file://${path.join(this.folder, 'profile')}`;
    await run(SOFFICE, [`-env:UserInstallation=${profile}`, '--headless', '--norestore', '--convert-to', target, '--outdir', output, ...paths], {
      timeout: 120_000,
    });
    const extension = target.split(':')[0];
    const results: Record<string, Buffer> = {};
    for (const name of Object.keys(files)) {
      const base = name.replace(/\.[^.]+$/, '');
      results[base] = await readFile(path.join(output, `${base}.${extension}`));
    }
    return results;
  }

  /** Removes the profile and converted files. */
  async stop(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }
}

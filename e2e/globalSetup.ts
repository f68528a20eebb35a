import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { ensureServerBuild } from '../scripts/buildServer';
import { ensureAppBuild } from '../scripts/ensureAppBuild';

/** Checks that a browser exists, then builds the server and the app once for every test's server. */
export default async function globalSetup(): Promise<void> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured && !existsSync(configured)) throw new Error(`CHROMIUM_PATH is set to ${configured}, which does not exist.`);
  if (!configured && !existsSync('/usr/bin/chromium') && !existsSync(chromium.executablePath())) {
    throw new Error(
      'No Chromium found for the browser tests. Install one of:\n' +
        '  - Debian/Ubuntu: sudo apt-get install -y chromium   (found at /usr/bin/chromium)\n' +
        '  - any system:    npx playwright install chromium\n' +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const serverBuilt = await ensureServerBuild(root);
  if (serverBuilt) console.log(`[e2e] ${serverBuilt}; built the server`);
  await ensureAppBuild(root, { log: (message) => console.log(`[e2e] ${message}`) });
}

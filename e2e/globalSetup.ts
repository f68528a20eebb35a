import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { ensureAppBuild } from '../scripts/ensureAppBuild';

/** Checks that a browser exists, then builds the app once for every test's server. */
export default function globalSetup(): void {
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
  ensureAppBuild(root, (message) => console.log(`[e2e] ${message}`));
}

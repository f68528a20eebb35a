import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { ServerProcess } from '../testing/serverProcess';

/** The app as one real process over a temporary DATA_DIR; `restart` keeps the port and data. */
export interface App {
  readonly url: string;
  readonly dataDir: string;
  restart(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the app, runs `work` (on its data folder, say), and starts it again on the same port. */
  whileStopped(work: () => Promise<void>): Promise<void>;
}

/** Starts the app over a new temporary DATA_DIR. */
async function startApp(): Promise<{ app: App; stop(): Promise<string> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-data-'));
  let server = await ServerProcess.start('start.ts', { PORT: '0', DATA_DIR: dataDir });
  const app: App = {
    get url() {
      return server.httpUrl;
    },
    dataDir,
    restart: async (signal = 'SIGTERM') => {
      server = await server.restart(signal);
    },
    whileStopped: async (work) => {
      const { port, env } = server;
      await server.stop();
      await work();
      server = await ServerProcess.start('start.ts', { ...env, PORT: String(port) });
    },
  };
  return {
    app,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
      return server.output;
    },
  };
}

export const test = base.extend<{ app: App }, { sharedApp: App }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as the first argument.
  app: async ({}, use, testInfo) => {
    const { app, stop } = await startApp();
    await use(app);
    const output = await stop();
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server output', { body: output, contentType: 'text/plain' });
  },
  /**
   * One app process for all tests of a worker, for tests that never restart or break the server
   * and keep to their own documents and browser contexts: it saves a server start per test.
   */
  sharedApp: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as the first argument.
    async ({}, use) => {
      const { app, stop } = await startApp();
      await use(app);
      await stop();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';

/** The document body editor of a page. */
export const editorOf = (page: Page) => page.getByRole('textbox', { name: 'Document body' });

/** Creates a document from the home page and returns its editor URL (with the edit secret). */
export async function createDocument(page: Page, app: App): Promise<string> {
  await page.goto(app.url);
  await page.getByRole('button', { name: 'New document' }).click();
  await page.waitForURL(/\/d\/[^/]+#.+/);
  await editorOf(page).waitFor();
  return page.url();
}

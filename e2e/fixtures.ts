import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { ServerProcess } from '../testing/serverProcess';
import { expectNoCspViolations } from './cspViolations';

/** The app as one real process over a temporary DATA_DIR; `restart` keeps the port and data. */
export interface App {
  readonly url: string;
  readonly dataDir: string;
  restart(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Stops the app, runs `work` (on its data folder, say), and starts it again on the same port.
   * (Only the fixtures' own apps can; stand-ins for a server a file shares leave it out.)
   */
  whileStopped?(work: () => Promise<void>): Promise<void>;
}

/** A running app, as the fixtures keep it. */
export interface RunningApp {
  app: App;
  /** What the app's processes printed so far (every process, when it was restarted). */
  output(): string;
  stop(): Promise<string>;
}

/** Starts the app over a new temporary DATA_DIR, with `env` added to its environment. */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-data-'));
  // Every test of a worker shares one client address: budgets meant for one stranger are too small.
  let server = await ServerProcess.start('start.ts', {
    PORT: '0',
    DATA_DIR: dataDir,
    MAX_CREATIONS_PER_MINUTE: '10000',
    MAX_API_REQUESTS_PER_MINUTE: '100000',
    ...env,
  });
  let earlierOutput = '';
  const app: App = {
    get url() {
      return server.httpUrl;
    },
    dataDir,
    restart: async (signal = 'SIGTERM') => {
      const stopped = server;
      server = await stopped.restart(signal);
      earlierOutput += stopped.output;
    },
    whileStopped: async (work) => {
      const stopped = server;
      await stopped.stop();
      earlierOutput += stopped.output;
      await work();
      server = await ServerProcess.start('start.ts', { ...stopped.env, PORT: String(stopped.port) });
    },
  };
  return {
    app,
    output: () => earlierOutput + server.output,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
      return earlierOutput + server.output;
    },
  };
}

/*
 * Every test also checks that the browser reported no Content-Security-Policy violation to the
 * app (the server logs each report): the flows run under the real policy, untouched by it.
 */
export const test = base.extend<{ app: App; sharedApp: App }, { sharedAppProcess: RunningApp }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as the first argument.
  app: async ({}, use, testInfo) => {
    const { app, stop } = await startApp();
    await use(app);
    const output = await stop();
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server output', { body: output, contentType: 'text/plain' });
    expectNoCspViolations(output);
  },
  /**
   * One app process for all tests of a worker, for tests that never restart or break the server
   * and keep to their own documents and browser contexts: it saves a server start per test.
   */
  sharedApp: async ({ sharedAppProcess }, use) => {
    const from = sharedAppProcess.output().length;
    await use(sharedAppProcess.app);
    expectNoCspViolations(sharedAppProcess.output(), from);
  },
  sharedAppProcess: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as the first argument.
    async ({}, use) => {
      const running = await startApp();
      await use(running);
      await running.stop();
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

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{collab-server,persistence,shared,testing,bench,app,deploy,packages}/**/*.test.ts'],
    // Tests that start real server processes run the built server, as production does.
    globalSetup: ['testing/buildServerOnce.ts'],
    // Real servers, sockets and LevelDB folders: give each file its own process.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

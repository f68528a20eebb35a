import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const FOLDERS = ['collab-server', 'persistence', 'shared', 'testing', 'bench', 'app', 'deploy', 'packages'];
const INCLUDE = [`{${FOLDERS.join(',')}}/**/*.test.ts`];

/*
 * Files that measure time on a busy machine — a bystander's stall, the event loop's worst delay,
 * latency percentiles, heap growth — or race lease timers run one at a time after the others, so
 * that no other file's servers share the two cores with them. A file joins by importing one of
 * the measuring helpers, or by being named below.
 */
const MEASURING_HELPERS = /from '(\.\.\/)+testing\/(bystander|eventLoopWatchdog|latencyProbe|memory)'/;
const LEASE_TIMED = ['collab-server/test/clusterFailover.test.ts', 'collab-server/test/clusterDatabaseOutage.test.ts'];

function testFiles(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.test.ts') && !file.includes('node_modules'))
      .map((file) => `${folder}/${file}`),
  );
}

const measuring = testFiles().filter((file) => LEASE_TIMED.includes(file) || MEASURING_HELPERS.test(readFileSync(file, 'utf8')));

export default defineConfig({
  test: {
    // Tests that start real server processes run the built server, as production does.
    globalSetup: ['testing/buildServerOnce.ts'],
    // Real servers, sockets and LevelDB folders: give each file its own process.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        // Most files wait on sockets, disks and child processes far more than they compute, so
        // three run at once even on two cores.
        test: { name: 'shared', include: INCLUDE, exclude: ['**/node_modules/**', ...measuring], maxWorkers: 3, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: measuring, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});

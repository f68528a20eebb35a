/**
 * Seeds of the convergence fuzz test that once failed, kept as regression cases: every run of
 * `convergenceFuzz.test.ts` replays each of them before trying fresh seeds. When a fresh seed
 * fails, add it here with what it found, then fix the server until it passes. A seed replays the
 * same operations with the default number of steps (`FUZZ_STEPS`).
 */
export const KEPT_SEEDS: ReadonlyArray<{ seed: number; found: string }> = [
  {
    seed: 1938512722,
    found: 'a restart with clients connected took 30 s: shutdown paused the sockets, so their closing handshakes never completed',
  },
];

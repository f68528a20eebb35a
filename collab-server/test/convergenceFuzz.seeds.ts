/**
 * Seeds of the convergence fuzz test that once failed, kept as regression cases: every run of
 * `convergenceFuzz.test.ts` replays each of them before trying fresh seeds. When a fresh seed
 * fails, add it here with what it found, then fix the server until it passes.
 */
export const KEPT_SEEDS: ReadonlyArray<{ seed: number; found: string }> = [];

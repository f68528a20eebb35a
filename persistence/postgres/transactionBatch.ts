import pg from 'pg';
import { compareNames, StoreError } from '../DocumentStore';

/**
 * One write of a group-commit batch (SPEC.md [PG2]): statements run on the batch's connection,
 * inside its transaction. A step refuses (NOT_FOUND, EXISTS, FENCED…) only by throwing a
 * `StoreError` before it has changed anything, so the steps after it in the transaction still
 * commit; any other error aborts the transaction.
 */
export interface Step {
  /** The document it writes: a batch runs its steps in name order ([PG2]). */
  name: string;
  /**
   * True when `run` issues exactly one writing statement (and at most reads after it): alone in
   * its batch, it then runs without BEGIN and COMMIT, committing by itself, which is as atomic
   * and as durable and saves two round trips to the database ([PG2]).
   */
  oneStatement?: boolean;
  run(client: pg.ClientBase): Promise<void>;
  /** Told when the step cannot be written (its own error, or its transaction failed). */
  fail(error: unknown): void;
}

/** A step for `write`, with a promise of what it returned. */
export function step<T>(name: string, write: (client: pg.ClientBase) => Promise<T>, oneStatement = false): { step: Step; result: () => T } {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  return {
    step: {
      name,
      oneStatement,
      run: async (client) => {
        try {
          outcome = { ok: true, value: await write(client) };
        } catch (error) {
          // A refusal leaves the transaction usable: remember it; anything else aborts the batch.
          if (!(error instanceof StoreError)) throw error;
          outcome = { ok: false, error };
        }
      },
      fail: (error) => {
        outcome = { ok: false, error };
      },
    },
    result: () => {
      if (!outcome) throw new StoreError('WRITE_FAILED', 'a write was not carried out (its batch ended without it)');
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    },
  };
}

/**
 * `steps` in document name order (code points, as `COLLATE "C"` orders names), each document's in
 * call order ([L4]). Every transaction that locks rows of several documents (a batch, the lease
 * renewal) locks them in this order, so two of them never wait for each other in a cycle ([PG2]).
 */
export function inNameOrder(steps: Step[]): Step[] {
  // Array.prototype.sort is stable: the steps of one document keep their order.
  return [...steps].sort((a, b) => compareNames(a.name, b.name));
}

/**
 * Runs `steps` in one transaction and commits it once: one WAL flush for all of them (a lone
 * one-statement step runs by itself, its statement its own transaction). When a step
 * fails with an unexpected error (not a refusal), the transaction is rolled back and every step
 * runs again in a transaction of its own, so one bad write fails only itself. A failed COMMIT
 * throws: whether it landed is unknown, and the whole batch is reported failed (its writes are
 * retried by their callers; appending an update twice changes no document).
 */
export async function runBatch(pool: pg.Pool, steps: Step[]): Promise<void> {
  const client = await pool.connect();
  let broken: unknown = null;
  const ordered = inNameOrder(steps);
  try {
    if (ordered.length === 1 && ordered[0].oneStatement) {
      // One statement is a transaction of its own: it has committed (synchronously) when it returns.
      try {
        await ordered[0].run(client);
      } catch (error) {
        ordered[0].fail(error);
        if (!(error instanceof pg.DatabaseError)) throw error;
      }
      return;
    }
    await client.query('BEGIN');
    let failed = false;
    for (const item of ordered) {
      try {
        await item.run(client);
      } catch {
        failed = true;
        break;
      }
    }
    if (!failed) {
      await client.query('COMMIT');
      return;
    }
    await client.query('ROLLBACK');
    for (const item of ordered) {
      try {
        await client.query('BEGIN');
        await item.run(client);
        await client.query('COMMIT');
      } catch (error) {
        item.fail(error);
        // A statement error leaves the connection usable; anything else (a lost connection) ends the batch.
        if (!(error instanceof pg.DatabaseError)) throw error;
        await client.query('ROLLBACK');
      }
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    // A connection that failed mid-transaction is not given back to the pool.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

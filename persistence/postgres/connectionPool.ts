import pg from 'pg';

/**
 * A `pg.Pool` whose connections never end the process when the database goes away.
 *
 * pg emits `error` on a connection that fails (the server stopped, restarted, or was cut off).
 * The pool listens for it only while the connection sits idle; one checked out (a transaction in
 * flight, an advisory lock held) has no listener, so the event would be thrown and the node would
 * exit. Each connection here gets a listener of its own: a checked-out connection's failure still
 * fails its query (or the next one), which reports it, and the connection is not given back to
 * the pool. Failures of idle connections go to `onIdleError` (they are replaced; nothing fails).
 */
export function connectionPool(config: pg.PoolConfig, onIdleError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onIdleError);
  pool.on('connect', (client) => {
    client.on('error', () => {
      // Reported by the query it fails, or by `onIdleError` when it happens while idle.
    });
  });
  return pool;
}

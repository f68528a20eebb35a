import type pg from 'pg';
import type { NameLocks } from '../documents/NameLocks';

/**
 * `NameLocks` for a cluster (SPEC.md [PG10]): the lock is a PostgreSQL advisory lock on the name,
 * held on a connection of its own for the section, so creating a document on connect and deleting it
 * exclude each other whichever nodes they run on. Sections of one node also queue in `local` first,
 * so they hold one connection at a time.
 */
export class DatabaseNameLocks implements Pick<NameLocks, 'run'> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly local: Pick<NameLocks, 'run'>,
  ) {}

  run<T>(name: string, section: () => Promise<T>): Promise<T> {
    return this.local.run(name, async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [name]);
        try {
          return await section();
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]).catch((error: Error) => {
            broken = error;
          });
        }
      } finally {
        // A connection whose unlock failed may still hold the lock: it is closed, which releases it.
        client.release(broken ?? false);
      }
    });
  }
}

import type pg from 'pg';
import { StoreError } from '../DocumentStore';

/**
 * The PostgreSQL schema, as numbered migrations (SPEC.md, "PostgreSQL"). `migrate` runs the ones a
 * database has not had yet, in order, each in its own transaction, at start; nodes starting at the
 * same time take turns (an advisory lock). A database migrated by a newer build is refused with
 * `FORMAT`, never written to. Every table name starts with `quire_`, so the database may hold others.
 */

/** One schema change: applied once, in order of `version`. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Names compare as their UTF-8 bytes (code point order, SPEC.md [L11]) in a UTF-8 database with the "C" collation. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'documents, update logs, tombstones, version history, leases',
    sql: `
      CREATE TABLE quire_documents (
        name text COLLATE "C" PRIMARY KEY,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        title text NOT NULL,
        properties jsonb NOT NULL,
        snapshot bytea,
        snapshot_bytes bigint NOT NULL,
        first_seq bigint NOT NULL,
        next_seq bigint NOT NULL,
        log_bytes bigint NOT NULL
      );
      CREATE TABLE quire_log (
        name text COLLATE "C" NOT NULL REFERENCES quire_documents (name) ON DELETE CASCADE,
        seq bigint NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (name, seq)
      );
      CREATE TABLE quire_tombstones (
        name text COLLATE "C" PRIMARY KEY,
        deleted_at bigint NOT NULL
      );
      CREATE TABLE quire_history_heads (
        name text COLLATE "C" PRIMARY KEY REFERENCES quire_documents (name) ON DELETE CASCADE,
        next_id integer NOT NULL,
        state bytea,
        contributors jsonb NOT NULL
      );
      CREATE TABLE quire_versions (
        name text COLLATE "C" NOT NULL REFERENCES quire_documents (name) ON DELETE CASCADE,
        id integer NOT NULL,
        created_at bigint NOT NULL,
        label text,
        authors jsonb NOT NULL,
        bytes integer NOT NULL,
        restored_from jsonb,
        delta bytea NOT NULL,
        PRIMARY KEY (name, id)
      );
      CREATE TABLE quire_leases (
        name text COLLATE "C" PRIMARY KEY,
        owner text NOT NULL,
        address text NOT NULL,
        epoch bigint NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX quire_leases_owner ON quire_leases (owner);
      CREATE TABLE quire_probe (
        id integer PRIMARY KEY,
        value text NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'blobs: descriptions, chunks, marks of uploads under way',
    sql: `
      CREATE TABLE quire_blobs (
        name text COLLATE "C" NOT NULL REFERENCES quire_documents (name) ON DELETE CASCADE,
        hash text COLLATE "C" NOT NULL,
        size bigint NOT NULL,
        type text NOT NULL,
        created_at bigint NOT NULL,
        upload text COLLATE "C" NOT NULL,
        chunks integer NOT NULL,
        PRIMARY KEY (name, hash)
      );
      CREATE TABLE quire_blob_chunks (
        name text COLLATE "C" NOT NULL REFERENCES quire_documents (name) ON DELETE CASCADE,
        upload text COLLATE "C" NOT NULL,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (name, upload, seq)
      );
      CREATE TABLE quire_blob_uploads (
        upload text COLLATE "C" PRIMARY KEY,
        name text COLLATE "C" NOT NULL REFERENCES quire_documents (name) ON DELETE CASCADE,
        touched_at timestamptz NOT NULL
      );
      CREATE INDEX quire_blob_uploads_name ON quire_blob_uploads (name);
      CREATE INDEX quire_blob_uploads_touched ON quire_blob_uploads (touched_at);
    `,
  },
  {
    version: 3,
    description: 'audit logs',
    // No foreign key to quire_documents: a document's log outlives it ([L36]).
    sql: `
      CREATE TABLE quire_audit (
        id bigserial PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        entry jsonb NOT NULL
      );
      CREATE INDEX quire_audit_name ON quire_audit (name, id);
    `,
  },
];

/** The advisory lock nodes take while migrating (any constant; "quire" in ASCII). */
const MIGRATION_LOCK = 0x7175697265;

/** Brings the database to the newest schema; throws `FORMAT` for one migrated by a newer build. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS quire_schema (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const applied = await client.query<{ version: number }>('SELECT version FROM quire_schema ORDER BY version');
      const known = new Set(migrations.map((migration) => migration.version));
      const newest = migrations[migrations.length - 1]?.version ?? 0;
      const unknown = applied.rows.map((row) => row.version).filter((version) => !known.has(version));
      if (unknown.length > 0) {
        throw new StoreError(
          'FORMAT',
          `the database has schema version ${Math.max(...unknown)}, written by a newer build; this build knows versions up to ${newest} and will not use it`,
        );
      }
      const done = new Set(applied.rows.map((row) => row.version));
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO quire_schema (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

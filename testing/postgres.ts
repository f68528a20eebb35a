import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findProgram } from './systemProgram';
import { waitFor } from './waitFor';

/**
 * A real PostgreSQL server for tests and `npm run cluster`: `initdb` in a temporary folder, then
 * `postgres` on a free loopback port, started and stopped here. PostgreSQL refuses to run as root,
 * so as root it runs as the `postgres` system user (the Debian package's; created when missing).
 */
export interface PostgresServer {
  port: number;
  /** A connection string for the database `quire` (trust authentication on loopback). */
  url: string;
  /** The data folder (owned by the server's user). */
  dataDir: string;
  /** A connection string for a new, empty database of this server. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (`fast`: clean shutdown; `immediate`: as a crash, recovered from the WAL at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
  /** Stops it and removes the data folder. */
  destroy(): Promise<void>;
  /** The process id of the server (the postmaster; its backends are its children), while it runs. */
  pid(): number | undefined;
}

/**
 * The folder of the PostgreSQL programs: `PG_BIN`, else the newest Debian install under
 * /usr/lib/postgresql, else the folder of `initdb` on PATH.
 */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((entry) => /^\d+$/.test(entry)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  const initdb = findProgram('initdb', newest ? [path.join(root, newest, 'bin', 'initdb')] : []);
  if (!initdb) throw new Error('PostgreSQL is needed: install it (apt-get install postgresql) or set PG_BIN to the folder holding initdb and postgres');
  return path.dirname(initdb);
}

const SERVICE_USER = 'postgres';

/**
 * The user and group the server runs as: as root, the service user (created when missing), so the
 * programs are spawned as that user directly (signals then reach PostgreSQL itself); otherwise null.
 */
function serviceUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  if (spawnSync('id', ['-u', SERVICE_USER]).status !== 0) {
    const created = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVICE_USER]);
    if (created.status !== 0) throw new Error(`creating the system user ${SERVICE_USER} failed: ${created.stderr}`);
  }
  const uid = Number(spawnSync('id', ['-u', SERVICE_USER]).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', SERVICE_USER]).stdout.toString().trim());
  return { uid, gid };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Creates a database cluster in a new temporary folder and starts PostgreSQL on a free loopback
 * port (or `options.port`), waiting until it accepts connections. `fsync` stays on: the tests
 * check what survives a crash.
 */
export async function startPostgres(options: { port?: number; dataDir?: string } = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  const ids = serviceUser();
  const as = ids ? { uid: ids.uid, gid: ids.gid, cwd: '/' } : {};
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'quire-pg-')));
  if (ids) await chown(dataDir, ids.uid, ids.gid);
  await chmod(dataDir, 0o700);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const init = spawnSync(path.join(bin, 'initdb'), ['-D', dataDir, '-E', 'UTF8', '--locale=C', '-A', 'trust', '-U', 'postgres', '--no-sync'], {
      encoding: 'utf8',
      ...as,
    });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.error}`);
  }
  const port = options.port ?? (await freePort());
  let child: ChildProcess | null = null;
  let output = '';
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const args = ['-D', dataDir, '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
    child = spawn(path.join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...as });
    const started = child;
    // A run that exits without stopping it (a benchmark ended by a signal) leaves no server behind:
    // SIGQUIT, PostgreSQL's immediate shutdown, which ends its backends too.
    const quit = () => started.kill('SIGQUIT');
    process.once('exit', quit);
    started.once('exit', () => process.off('exit', quit));
    started.stderr?.on('data', (chunk) => {
      output = (output + chunk).slice(-20_000);
    });
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    try {
      await waitFor(
        async () => {
          if (started.exitCode !== null) throw new Error(`postgres exited with ${started.exitCode}`);
          const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
          try {
            await client.connect();
            await client.query('SELECT 1');
            return true;
          } catch {
            return false;
          } finally {
            await client.end().catch(() => undefined);
          }
        },
        { message: 'PostgreSQL to accept connections', timeoutMs: 30_000, intervalMs: 50 },
      );
    } catch (error) {
      started.kill('SIGKILL');
      throw new Error(`${String(error)}\n${output}`);
    }
  };

  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    // SIGINT is PostgreSQL's fast shutdown, SIGQUIT its immediate one (no checkpoint: a crash).
    running.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
    child = null;
  };

  await start();
  const admin = async <T>(work: (client: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  await admin(async (client) => {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = 'quire'");
    if (found.rowCount === 0) await client.query('CREATE DATABASE quire');
  });

  return {
    port,
    url: urlOf('quire'),
    dataDir,
    createDatabase: async (name) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} must be lower-case letters, digits and _`);
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      return urlOf(name);
    },
    stop,
    start,
    pid: () => (child as ChildProcess | null)?.pid,
    destroy: async () => {
      await stop('immediate');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

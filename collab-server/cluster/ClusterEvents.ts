import pg from 'pg';
import type { ExpiryChange, Revocation } from '../links/ShareLinks';
import type { Logger } from '../logger';

/** What one node tells the others. */
export type ClusterEvent =
  | { type: 'deleted'; name: string }
  | { type: 'revoked'; revocation: Revocation }
  | { type: 'expiry'; change: ExpiryChange }
  | { type: 'member-removed'; name: string; userId: string };

const CHANNEL = 'quire_cluster';
const RECONNECT_MS = 1000;

export interface ClusterEventsOptions {
  url: string;
  pool: pg.Pool;
  nodeId: string;
  logger: Logger;
  /** Told of every event another node published. */
  onEvent: (event: ClusterEvent) => void;
  /**
   * Told once listening again after the connection was lost: events published meanwhile were
   * missed, so what they would have ended (access removed, links reset or expired) is checked again.
   */
  onReconnected?: () => void;
}

/**
 * Events between the nodes of a cluster, over PostgreSQL's LISTEN/NOTIFY (SPEC.md [PG9]): a deleted
 * document's editors are closed on whichever node serves it, and a reset share link ends the
 * sessions opened through it there. A notification is sent after the change committed; one missed
 * while a node's listening connection was down is covered otherwise: a deletion moves the lease's
 * epoch on, and once listening again (`onReconnected`) the node checks every open session's
 * access against the database, so a removal or link reset missed meanwhile ends its sessions
 * within seconds of the database answering again, not only at the next token renewal.
 */
export class ClusterEvents {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The listening connection was lost since the last successful LISTEN: events may have been missed. */
  private lost = false;

  constructor(private readonly options: ClusterEventsOptions) {}

  /** Starts listening (and keeps listening, reconnecting after a failure). */
  async start(): Promise<void> {
    // Named, so an operator (and a test) can tell each node's listening connection apart.
    const client = new pg.Client({ connectionString: this.options.url, application_name: listenerName(this.options.nodeId) });
    client.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'the cluster event connection failed; reconnecting');
      this.restart(client);
    });
    client.on('end', () => this.restart(client));
    client.on('notification', (message) => this.receive(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      if (this.lost) {
        this.lost = false;
        this.options.logger.info('listening for cluster events again; checking the access of open sessions');
        this.options.onReconnected?.();
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'listening for cluster events failed; retrying');
      this.restart(client);
    }
  }

  /** Tells the other nodes; a failure is logged (see the class comment for what covers a lost event). */
  async publish(event: ClusterEvent): Promise<void> {
    try {
      await this.options.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ from: this.options.nodeId, event })]);
    } catch (error) {
      this.options.logger.warn({ err: error, event: event.type }, 'telling the other nodes failed');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private restart(client: pg.Client): void {
    if (this.closed || this.timer) return;
    this.lost = true;
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.start();
    }, RECONNECT_MS);
    this.timer.unref();
  }

  private receive(payload: string | undefined): void {
    try {
      const { from, event } = JSON.parse(payload ?? '') as { from: string; event: ClusterEvent };
      if (from !== this.options.nodeId) this.options.onEvent(event);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'a cluster event could not be read; ignored');
    }
  }
}

/** The `application_name` of node `nodeId`'s listening connection (PostgreSQL keeps 63 bytes of it). */
export function listenerName(nodeId: string): string {
  return `quire-events:${nodeId}`.slice(0, 63);
}

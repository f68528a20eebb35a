import { Counter, Gauge, type Registry } from 'prom-client';
import type { LeaseEvents } from './Leases';

/** A cluster node's metrics at `/metrics` (the README's "Metrics" lists them). */
export interface ClusterMetrics extends LeaseEvents {
  /** Reads the number of leases held at scrape time. */
  watchLeases(count: () => number): void;
  /** A connection (or a server-side change) relayed to the node serving its document. */
  relayed(kind: (typeof RELAY_KINDS)[number]): void;
  /** A relay to another node ended. */
  relayEnded(): void;
}

const RELAY_KINDS = ['upgrade', 'frames', 'change'] as const;

/** The cluster metrics, in `registry`. */
export function clusterMetrics(registry: Registry): ClusterMetrics {
  const registers = [registry];
  let leases = () => 0;
  new Gauge({
    name: 'collab_cluster_leases_held',
    help: 'Document leases this node holds (the documents it serves)',
    registers,
    collect() {
      this.set(leases());
    },
  });
  const acquired = new Counter({
    name: 'collab_cluster_leases_acquired_total',
    help: 'Document leases taken (free, expired, or given back by another node)',
    registers,
  });
  const lost = new Counter({
    name: 'collab_cluster_leases_lost_total',
    help: 'Document leases lost (not renewed in time, or taken over): the document stopped being served here',
    registers,
  });
  const released = new Counter({
    name: 'collab_cluster_leases_released_total',
    help: 'Document leases given back (no longer in use, or shutting down)',
    registers,
  });
  const relays = new Counter({
    name: 'collab_cluster_relayed_connections_total',
    help: 'Connections relayed to the node serving their document: upgrade (y-websocket, piped), frames (a /collab socket), change (a server-side change)',
    labelNames: ['kind'],
    registers,
  });
  // Every kind is shown from the start, at 0, so a dashboard's rate has a series to read.
  for (const kind of RELAY_KINDS) relays.inc({ kind }, 0);
  const open = new Gauge({ name: 'collab_cluster_relays_open', help: 'Relays to other nodes open now', registers });
  return {
    watchLeases: (count) => {
      leases = count;
    },
    acquired: () => acquired.inc(),
    lost: () => lost.inc(),
    released: (count) => released.inc(count),
    relayed: (kind) => {
      relays.inc({ kind });
      if (kind !== 'change') open.inc();
    },
    relayEnded: () => open.dec(),
  };
}

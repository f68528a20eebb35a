import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ConversionPool, ConversionPoolOptions } from './ConversionPool';

/** The conversion metrics, registered in the server's registry; returns the hook that counts jobs. */
export function conversionMetrics(registry: Registry, pool: () => ConversionPool): Pick<ConversionPoolOptions, 'onJob'> {
  const registers = [registry];
  const jobs = new Counter({
    name: 'collab_conversions_total',
    help: 'Conversions, by kind (create, write, export, diff, restore, images, threads, anchor) and outcome (ok, invalid, too-deep, too-many-nodes, too-slow, too-large, busy, failed)',
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const seconds = new Histogram({
    name: 'collab_conversion_seconds',
    help: 'Time a conversion ran on its worker, by kind',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  new Gauge({
    name: 'collab_conversions_waiting',
    help: 'Conversions waiting for a worker',
    registers,
    collect() {
      this.set(pool().queued);
    },
  });
  return {
    onJob: ({ kind, outcome, seconds: ran }) => {
      jobs.inc({ kind, outcome });
      if (outcome !== 'busy') seconds.observe({ kind }, ran);
    },
  };
}

import { Counter, type Registry } from 'prom-client';
import type { HistoryOptions } from './HistoryExtension';

/** The version history metrics, registered in the server's registry; returns the hooks that count. */
export function historyMetrics(registry: Registry): Pick<HistoryOptions, 'onCapture' | 'onRemove'> {
  const registers = [registry];
  const captured = new Counter({ name: 'collab_versions_captured_total', help: 'Versions stored, by what triggered them', labelNames: ['trigger'], registers });
  const failed = new Counter({ name: 'collab_version_capture_failures_total', help: 'Version captures whose write failed (they are retried)', registers });
  const bytes = new Counter({ name: 'collab_version_bytes_total', help: 'Bytes of version deltas stored', registers });
  const removed = new Counter({ name: 'collab_versions_removed_total', help: 'Versions removed by the retention policy', registers });
  return {
    onCapture: ({ trigger, ok, bytes: size }) => {
      if (!ok) return failed.inc();
      captured.inc({ trigger });
      bytes.inc(size);
    },
    onRemove: ({ count }) => removed.inc(count),
  };
}

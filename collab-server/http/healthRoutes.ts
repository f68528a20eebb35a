import type { DocumentStore } from '../../persistence/DocumentStore';
import type { Metrics } from '../metrics';
import { type Router, sendJson } from './Router';

export interface HealthSources {
  store: DocumentStore;
  metrics: Metrics;
  /** Loaded documents whose last write failed. */
  failingDocuments: () => string[];
  /** False once shutdown has begun. */
  accepting: () => boolean;
}

/**
 * `/healthz`: the process answers. `/readyz`: LevelDB is open and a synced write succeeds, no
 * document is stuck on a failing write, and the server is not shutting down. `/metrics`: Prometheus.
 */
export function addHealthRoutes(router: Router, sources: HealthSources): void {
  router.add('GET', '/healthz', (_request, response) => sendJson(response, 200, { status: 'ok' }));

  router.add('GET', '/readyz', async (_request, response) => {
    const problems: string[] = [];
    if (!sources.accepting()) problems.push('shutting down');
    try {
      await sources.store.probe();
    } catch (error) {
      problems.push(`store: ${error instanceof Error ? error.message : String(error)}`);
    }
    const failing = sources.failingDocuments();
    if (failing.length > 0) problems.push(`${failing.length} document(s) failing to save`);
    if (problems.length > 0) sendJson(response, 503, { status: 'unavailable', problems });
    else sendJson(response, 200, { status: 'ready' });
  });

  router.add('GET', '/metrics', async (_request, response) => {
    const body = await sources.metrics.registry.metrics();
    response.writeHead(200, { 'content-type': sources.metrics.registry.contentType });
    response.end(body);
  });
}

import type { ServerResponse } from 'node:http';
import type { DocumentStore } from '../../persistence/DocumentStore';
import { bearerClaims } from '../http/apiAuth';
import { HttpError, type Router } from '../http/Router';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { BackupWriter } from './backupFormat';

/** Where the backup of a running server is served. */
export const BACKUP_PATH = '/admin/backup';

/** The content type of a backup (see `backupFormat.ts`). */
export const BACKUP_CONTENT_TYPE = 'application/vnd.quire.backup';

export interface BackupRouteOptions {
  store: DocumentStore;
  authSecret: string;
  logger: Logger;
  metrics: Metrics;
}

/**
 * `GET /admin/backup`: streams every document (with its version history and blobs) and tombstone of the
 * running server as one consistent backup (the store's export reads one LevelDB snapshot, so
 * writes that land while it streams are not in it, and nothing is half in it). Editing goes on meanwhile. Needs
 * `Authorization: Bearer <token>` with `role: admin` and `doc: *`.
 */
export function addBackupRoute(router: Router, { store, authSecret, logger, metrics }: BackupRouteOptions): void {
  router.add('GET', BACKUP_PATH, async (request, response) => {
    const claims = await bearerClaims(request, response, authSecret);
    if (claims.role !== 'admin' || claims.doc !== '*') {
      throw new HttpError(
        403,
        `a backup needs a token with role "admin" and doc "*"; this token has role "${claims.role}" and doc ${JSON.stringify(claims.doc)}`,
      );
    }
    const started = performance.now();
    const items = store.exportAll();
    const writer = new BackupWriter();
    let bytes = 0;
    let documents = 0;
    let versions = 0;
    let aborted = false;
    response.once('close', () => {
      aborted = !response.writableFinished;
    });
    try {
      for await (const item of items) {
        if (aborted) break;
        if (item.kind === 'summary') {
          const stamp = new Date().toISOString().replace(/[:.]/g, '-');
          response.writeHead(200, {
            'content-type': BACKUP_CONTENT_TYPE,
            'content-disposition': `attachment; filename="quire-${stamp}.backup"`,
            'cache-control': 'no-store',
            'x-quire-documents': String(item.documents),
          });
          if (request.method === 'HEAD') break;
          logger.info({ event: 'backup-started', by: claims.sub, documents: item.documents, tombstones: item.tombstones }, 'backup started');
          bytes += await send(response, writer.start({ createdAt: Date.now(), documents: item.documents, tombstones: item.tombstones }));
        } else if (item.kind === 'document') {
          documents += 1;
          versions += item.document.history.versions.length;
          bytes += await send(response, writer.document(item.document));
        } else if (item.kind === 'blob') {
          // A blob goes chunk by chunk, read from the export's point in time as the client takes them.
          bytes += await send(response, writer.blob(item.blob));
          for await (const chunk of item.chunks) bytes += await send(response, writer.blobData(chunk));
        } else {
          bytes += await send(response, writer.tombstone(item.tombstone));
        }
      }
      if (request.method === 'HEAD') {
        response.end();
        return;
      }
      if (aborted) throw new Error('the client closed the connection');
      bytes += await send(response, writer.end());
      response.end();
    } catch (error) {
      metrics.backups.inc({ result: 'failed' });
      logger.error(
        { err: error, event: 'backup-failed', by: claims.sub, documents, bytes },
        'backup failed; the client gets an incomplete file, which restore refuses',
      );
      // Headers are out: cutting the stream is the only way to tell the client, and the missing
      // checksum makes the file unusable, as it must be.
      if (!response.headersSent) throw error;
      response.destroy();
      return;
    } finally {
      await items.return(undefined);
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.backups.inc({ result: 'ok' });
    metrics.lastBackup.set(Date.now() / 1000);
    logger.info({ event: 'backup-finished', by: claims.sub, documents, versions, bytes, seconds }, 'backup finished');
  });
}

/** Writes `chunk`, waiting while the client is slower than the store (so memory stays flat). */
async function send(response: ServerResponse, chunk: Buffer): Promise<number> {
  if (response.destroyed) throw new Error('the client closed the connection');
  if (!response.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        response.off('drain', done);
        response.off('close', closed);
        resolve();
      };
      const closed = () => {
        response.off('drain', done);
        reject(new Error('the client closed the connection'));
      };
      response.on('drain', done);
      response.once('close', closed);
    });
  }
  return chunk.byteLength;
}

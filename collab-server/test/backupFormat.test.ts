import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportedDocument } from '../../persistence/DocumentStore';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { BackupFormatError, type BackupItem, BackupWriter, readBackup } from '../backup/backupFormat';
import { BACKUP_CONTENT_TYPE, BACKUP_PATH } from '../backup/backupRoute';

/** The backup file format (versioned, checksummed, streamable) and who may fetch a backup. */

const meta = (name: string) => ({ name, createdAt: 1, updatedAt: 2, title: `T ${name}`, size: 0, logCount: 0, logBytes: 0, properties: { k: name } });
const documents: ExportedDocument[] = [
  { meta: meta('a'), snapshot: Uint8Array.of(1, 2, 3), log: [Uint8Array.of(4), Uint8Array.of(5, 6)] },
  { meta: meta('b'), snapshot: null, log: [Uint8Array.of(7)] },
  { meta: meta('c'), snapshot: new Uint8Array(70_000).fill(9), log: [] },
];

function encode(): Buffer {
  const writer = new BackupWriter();
  const parts = [writer.start({ createdAt: 5, documents: documents.length, tombstones: 1 })];
  for (const document of documents) parts.push(writer.document(document));
  parts.push(writer.tombstone({ name: 'gone', deletedAt: 3 }));
  parts.push(writer.end());
  return Buffer.concat(parts);
}

/** Feeds `bytes` to the reader in chunks of `size`. */
async function read(bytes: Buffer, size = 1000): Promise<BackupItem[]> {
  async function* chunks() {
    for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
  }
  const items: BackupItem[] = [];
  for await (const item of readBackup(chunks())) items.push(item);
  return items;
}

const plain = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_key, item) => (item instanceof Uint8Array ? [...item] : item?.type === 'Buffer' ? item.data : item)));

describe('backup format', () => {
  it('reads back exactly what was written, whatever the chunk sizes', async () => {
    const bytes = encode();
    expect(bytes.subarray(0, 15).toString()).toBe('QUIRE-BACKUP 1\n');
    for (const size of [1, 7, 4096, bytes.length]) {
      const items = await read(bytes, size);
      expect(items.map((item) => item.kind)).toEqual(['header', 'document', 'document', 'document', 'tombstone', 'end']);
      expect(plain(items.flatMap((item) => (item.kind === 'document' ? [item.document] : [])))).toEqual(plain(documents));
      expect(items.at(-1)).toEqual({ kind: 'end', documents: 3, tombstones: 1, updates: 5, bytes: bytes.length });
    }
  });

  it('refuses a file cut short anywhere, with a message saying it is incomplete', async () => {
    const bytes = encode();
    for (const length of [0, 10, 15, 19, 40, bytes.length - 40, bytes.length - 32, bytes.length - 1]) {
      const error = await read(bytes.subarray(0, length)).catch((caught: unknown) => caught);
      expect(error, `cut at ${length}`).toBeInstanceOf(BackupFormatError);
      expect((error as Error).message, `cut at ${length}`).toMatch(/incomplete|not a Quire backup/);
    }
  });

  it('refuses a changed byte (checksum), trailing bytes, another format and another version', async () => {
    const bytes = encode();
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 200] ^= 0xff; // inside the last snapshot: only the checksum can tell
    await expect(read(flipped)).rejects.toThrow(/checksum does not match/);
    await expect(read(Buffer.concat([bytes, Buffer.of(0)]))).rejects.toThrow(/bytes after its checksum/);
    await expect(read(Buffer.from('PK\u0003\u0004 a zip file, not a backup'))).rejects.toThrow(/not a Quire backup/);
    const future = Buffer.from(bytes);
    future.write('2', 'QUIRE-BACKUP '.length);
    await expect(read(future)).rejects.toThrow(/format version "2"; this version reads 1/);
  });
});

describe(`GET ${BACKUP_PATH}`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.stop({ removeData: true });
  });

  const get = (token?: string) => fetch(`${server.httpUrl}${BACKUP_PATH}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('needs a token with role admin and doc *', async () => {
    expect((await get()).status).toBe(401);
    expect((await get('not.a.token')).status).toBe(401);
    const editor = await get(await server.token({ doc: '*', role: 'editor' }));
    expect(editor.status).toBe(403);
    expect(((await editor.json()) as { error: string }).error).toMatch(/role "admin" and doc "\*"/);
    expect((await get(await server.token({ doc: 'one', role: 'admin' }))).status).toBe(403);
    const admin = await get(await server.token({ doc: '*', role: 'admin' }));
    expect(admin.status).toBe(200);
    expect(admin.headers.get('content-type')).toBe(BACKUP_CONTENT_TYPE);
    const items = await read(Buffer.from(await admin.arrayBuffer()));
    expect(items.map((item) => item.kind)).toEqual(['header', 'end']);
  });
});

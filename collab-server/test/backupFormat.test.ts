import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { BlobInfo } from '../../persistence/BlobStore';
import type { ExportedDocument } from '../../persistence/DocumentStore';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { emptyHistory, type VersionHistory } from '../../persistence/VersionStore';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { BackupFormatError, type BackupItem, BackupWriter, readBackup } from '../backup/backupFormat';
import { BACKUP_CONTENT_TYPE, BACKUP_PATH } from '../backup/backupRoute';
import { restoreFromFile } from '../backup/restoreFromFile';
import { DOCUMENTS_FOLDER } from '../CollabServer';

/** The backup file format (versioned, checksummed, streamable) and who may fetch a backup. */

/** A backup written by format 1 (documents without history), kept to prove it is still read. */
const FORMAT_1_FILE = fileURLToPath(new URL('./fixtures/format1.backup', import.meta.url));
/** A backup written by format 2 (documents with history, no blobs), kept to prove it is still read. */
const FORMAT_2_FILE = fileURLToPath(new URL('./fixtures/format2.backup', import.meta.url));

const meta = (name: string) => ({ name, createdAt: 1, updatedAt: 2, title: `T ${name}`, size: 0, logCount: 0, logBytes: 0, properties: { k: name } });
const ada = { id: 'link:ada', name: 'Ada', color: '#e5484d' };
const history: VersionHistory = {
  head: { nextId: 4, state: Uint8Array.of(0, 1, 2), contributors: [ada] },
  versions: [
    { info: { id: 1, createdAt: 10, label: 'Draft', authors: [ada], bytes: 2, restoredFrom: null }, delta: Uint8Array.of(8, 8) },
    { info: { id: 3, createdAt: 30, label: null, authors: [], bytes: 1, restoredFrom: { id: 1, createdAt: 10, label: 'Draft' } }, delta: Uint8Array.of(9) },
  ],
};
const documents: ExportedDocument[] = [
  { meta: meta('a'), snapshot: Uint8Array.of(1, 2, 3), log: [Uint8Array.of(4), Uint8Array.of(5, 6)], history },
  { meta: meta('b'), snapshot: null, log: [Uint8Array.of(7)], history: emptyHistory() },
  // Contributors recorded before the first version are history too.
  { meta: meta('c'), snapshot: new Uint8Array(70_000).fill(9), log: [], history: { head: { nextId: 1, state: null, contributors: [ada] }, versions: [] } },
];

/** The blob of document "a": three chunks, the last one short. */
const blobBytes = Buffer.from(Array.from({ length: 2500 }, (_, i) => (i * 7) % 256));
const blob: BlobInfo = { hash: createHash('sha256').update(blobBytes).digest('hex'), size: blobBytes.length, type: 'image/png', createdAt: 12 };
const emptyBlob: BlobInfo = { hash: createHash('sha256').digest('hex'), size: 0, type: 'image/gif', createdAt: 13 };

function encode(): Buffer {
  const writer = new BackupWriter();
  const parts = [writer.start({ createdAt: 5, documents: documents.length, tombstones: 1 })];
  for (const document of documents) {
    parts.push(writer.document(document));
    if (document.meta.name !== 'a') continue;
    parts.push(writer.blob(blob));
    for (let offset = 0; offset < blobBytes.length; offset += 1000) parts.push(writer.blobData(blobBytes.subarray(offset, offset + 1000)));
    parts.push(writer.blob(emptyBlob));
  }
  parts.push(writer.tombstone({ name: 'gone', deletedAt: 3 }));
  parts.push(writer.end());
  return Buffer.concat(parts);
}

/** The offset of the first record of `type` in an encoded backup. */
function recordAt(bytes: Buffer, type: number): number {
  let offset = 'QUIRE-BACKUP 3\n'.length;
  while (bytes[offset] !== type) offset += 5 + bytes.readUInt32BE(offset + 1);
  return offset;
}

/** `bytes` with its checksum made right again, so only the structure is tested. */
function rehashed(bytes: Buffer): Buffer {
  const body = bytes.subarray(0, bytes.length - 32);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Feeds `bytes` to the reader in chunks of `size`; a blob's bytes are read (unless `skipBlobs`) and kept with it as `data`. */
async function read(bytes: Buffer, size = 1000, skipBlobs = false): Promise<Array<BackupItem & { data?: number[] }>> {
  async function* chunks() {
    for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
  }
  const items: Array<BackupItem & { data?: number[] }> = [];
  for await (const item of readBackup(chunks())) {
    if (item.kind !== 'blob' || skipBlobs) items.push(item);
    else {
      const read: number[] = [];
      for await (const chunk of item.chunks) read.push(...chunk);
      items.push({ ...item, data: read });
    }
  }
  return items;
}

const plain = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_key, item) => (item instanceof Uint8Array ? [...item] : item?.type === 'Buffer' ? item.data : item)));

describe('backup format', () => {
  it('reads back exactly what was written, whatever the chunk sizes', async () => {
    const bytes = encode();
    expect(bytes.subarray(0, 15).toString()).toBe('QUIRE-BACKUP 3\n');
    for (const size of [1, 7, 4096, bytes.length]) {
      const items = await read(bytes, size);
      expect(items.map((item) => item.kind)).toEqual(['header', 'document', 'blob', 'blob', 'document', 'document', 'tombstone', 'end']);
      const blobs = items.flatMap((item) => (item.kind === 'blob' ? [{ name: item.name, blob: item.blob, bytes: item.data }] : []));
      expect(blobs).toEqual([
        { name: 'a', blob, bytes: [...blobBytes] },
        { name: 'a', blob: emptyBlob, bytes: [] },
      ]);
      expect(items.at(-1)).toMatchObject({ kind: 'end', blobs: 2 });
      expect(plain(items.flatMap((item) => (item.kind === 'document' ? [item.document] : [])))).toEqual(plain(documents));
      expect(items.at(-1)).toEqual({ kind: 'end', documents: 3, tombstones: 1, updates: 5, versions: 2, blobs: 2, bytes: bytes.length });
    }
  });

  it('reads a format 1 backup: its documents get empty histories, and restore imports them', async () => {
    const bytes = await readFile(FORMAT_1_FILE);
    expect(bytes.subarray(0, 15).toString()).toBe('QUIRE-BACKUP 1\n');
    const items = await read(bytes, 13);
    expect(items.map((item) => item.kind)).toEqual(['header', 'document', 'tombstone', 'end']);
    expect(items.at(-1)).toEqual({ kind: 'end', documents: 1, tombstones: 1, updates: 2, versions: 0, blobs: 0, bytes: bytes.length });
    const [legacy] = items.flatMap((item) => (item.kind === 'document' ? [item.document] : []));
    expect(legacy.meta).toMatchObject({ name: 'legacy', title: 'Legacy', properties: { owner: 'format-1' } });
    expect(plain(legacy.history)).toEqual(plain(emptyHistory()));

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'format1-restore-'));
    try {
      expect(await restoreFromFile({ dataDir, input: FORMAT_1_FILE })).toMatchObject({ documents: 1, tombstones: 1, updates: 2, versions: 0 });
      const store = new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) });
      await store.open();
      try {
        const doc = new Y.Doc();
        for (const update of (await store.load('legacy'))?.updates ?? []) Y.applyUpdate(doc, update);
        expect(doc.getText('body').toString()).toBe('Written by format 1. And a logged edit.');
        expect(await store.listVersions('legacy')).toEqual([]);
        expect(await store.wasDeleted('gone')).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses history records out of place: a version without its delta, a delta of another size, a version before the head', async () => {
    const bytes = encode();
    const version = recordAt(bytes, 8);
    const delta = version + 5 + bytes.readUInt32BE(version + 1);
    // The delta record of version 1 turned into a log record: the version has no delta.
    const noDelta = Buffer.from(bytes);
    noDelta[delta] = 4;
    await expect(read(rehashed(noDelta))).rejects.toThrow(/version 1 of "a" is not followed by its delta record/);
    // One byte cut from the delta (length and content): its size disagrees with the description.
    const deltaLength = bytes.readUInt32BE(delta + 1);
    const shortDelta = Buffer.concat([
      bytes.subarray(0, delta + 1),
      Buffer.alloc(4),
      bytes.subarray(delta + 5, delta + 5 + deltaLength - 1),
      bytes.subarray(delta + 5 + deltaLength),
    ]);
    shortDelta.writeUInt32BE(deltaLength - 1, delta + 1);
    await expect(read(rehashed(shortDelta))).rejects.toThrow(/says its delta has 2 bytes, but the record holds 1/);
    // The head record turned into a log record: the versions come before any head.
    const noHead = Buffer.from(bytes);
    noHead[recordAt(bytes, 7)] = 4;
    await expect(read(rehashed(noHead))).rejects.toThrow(/a version record comes before the history head/);
  });

  it('a format 1 backup cannot hold history records', async () => {
    const bytes = await readFile(FORMAT_1_FILE);
    // The tombstone record (type 5) relabelled as a head record (type 7).
    let offset = 'QUIRE-BACKUP 1\n'.length;
    while (bytes[offset] !== 5) offset += 5 + bytes.readUInt32BE(offset + 1);
    const altered = Buffer.from(bytes);
    altered[offset] = 7;
    await expect(read(rehashed(altered))).rejects.toThrow(/unknown record type 7 in a version 1 backup/);
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
    flipped[bytes.indexOf(Buffer.alloc(1000, 9)) + 500] ^= 0xff; // inside the large snapshot: only the checksum can tell
    await expect(read(flipped)).rejects.toThrow(/checksum does not match/);
    await expect(read(Buffer.concat([bytes, Buffer.of(0)]))).rejects.toThrow(/bytes after its checksum/);
    await expect(read(Buffer.from('PK\u0003\u0004 a zip file, not a backup'))).rejects.toThrow(/not a Quire backup/);
    const future = Buffer.from(bytes);
    future.write('4', 'QUIRE-BACKUP '.length);
    await expect(read(future)).rejects.toThrow(/format version "4"; this version reads 1 and 2 and 3/);
  });

  it('reads a blob the reader skipped, and checks every blob against its size and SHA-256', async () => {
    const bytes = encode();
    const skipped = await read(bytes, 333, true);
    expect(skipped.map((item) => item.kind)).toEqual(['header', 'document', 'blob', 'blob', 'document', 'document', 'tombstone', 'end']);
    const data = recordAt(bytes, 11);
    // One byte of the blob changed (the file checksum made right again): its SHA-256 tells.
    const altered = Buffer.from(bytes);
    altered[data + 5 + 10] ^= 0xff;
    await expect(read(rehashed(altered))).rejects.toThrow(/does not hold the bytes its SHA-256 names/);
    await expect(read(rehashed(altered), 333, true)).rejects.toThrow(/does not hold the bytes its SHA-256 names/);
    // Its first data record relabelled as a log record: the blob ends before its bytes.
    const cut = Buffer.from(bytes);
    cut[data] = 4;
    await expect(read(rehashed(cut))).rejects.toThrow(/followed by a record of type 4 before all its 2500 bytes/);
    // A data record without its blob record (relabelled as a tombstone).
    const orphan = Buffer.from(bytes);
    orphan[recordAt(bytes, 10)] = 5;
    await expect(read(rehashed(orphan))).rejects.toThrow(/a blob data record does not follow its blob record/);
  });

  it('reads a format 2 backup: its documents keep their history, get no blobs, and restore imports them', async () => {
    const bytes = await readFile(FORMAT_2_FILE);
    expect(bytes.subarray(0, 15).toString()).toBe('QUIRE-BACKUP 2\n');
    const items = await read(bytes, 17);
    expect(items.map((item) => item.kind)).toEqual(['header', 'document', 'tombstone', 'end']);
    expect(items.at(-1)).toEqual({ kind: 'end', documents: 1, tombstones: 1, updates: 2, versions: 1, blobs: 0, bytes: bytes.length });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'format2-restore-'));
    try {
      expect(await restoreFromFile({ dataDir, input: FORMAT_2_FILE })).toMatchObject({ documents: 1, tombstones: 1, versions: 1, blobs: 0 });
      const store = new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) });
      await store.open();
      try {
        const doc = new Y.Doc();
        for (const update of (await store.load('versioned'))?.updates ?? []) Y.applyUpdate(doc, update);
        expect(doc.getText('body').toString()).toBe('Written by format 2. With a version.');
        expect((await store.listVersions('versioned'))?.map((version) => version.label)).toEqual(['First']);
        expect(await store.listBlobs('versioned')).toEqual([]);
        expect(await store.wasDeleted('gone')).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a format 2 backup cannot hold blob records', async () => {
    const bytes = await readFile(FORMAT_2_FILE);
    let offset = 'QUIRE-BACKUP 2\n'.length;
    while (bytes[offset] !== 5) offset += 5 + bytes.readUInt32BE(offset + 1);
    const altered = Buffer.from(bytes);
    altered[offset] = 10;
    await expect(read(rehashed(altered))).rejects.toThrow(/unknown record type 10 in a version 2 backup/);
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

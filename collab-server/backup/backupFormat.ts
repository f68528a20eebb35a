import { createHash, type Hash } from 'node:crypto';
import type { DocumentMeta, ExportedDocument, Tombstone } from '../../persistence/DocumentStore';

/**
 * The backup file format, version 1: every document and tombstone of a store, independent of
 * the LevelDB key layout, streamable in both directions with one document in memory at a time.
 *
 *   "QUIRE-BACKUP 1\n"                          magic line with the format version
 *   record*                                     type (1 byte), length (4 bytes, big-endian), payload
 *   SHA-256 (32 bytes)                          of every byte before it
 *
 * Records, in this order: one `header` (JSON: createdAt, documents, tombstones); per document a
 * `document` (JSON metadata), at most one `snapshot` and its `log` entries in order (raw Yjs
 * updates); the `tombstone`s (JSON: name, deletedAt); one `end` (JSON: the counts again, and the
 * number of updates). A file that is cut short has no valid end and checksum and is refused.
 */

export const BACKUP_VERSION = 1;
const MAGIC = `QUIRE-BACKUP ${BACKUP_VERSION}\n`;
const MAGIC_PREFIX = 'QUIRE-BACKUP ';
const HASH_BYTES = 32;
const RECORD_HEADER_BYTES = 5;

const RecordType = { header: 1, document: 2, snapshot: 3, log: 4, tombstone: 5, end: 6 } as const;

/** Counts a backup announces up front and repeats at its end. */
export interface BackupSummary {
  createdAt: number;
  documents: number;
  tombstones: number;
}

/** What reading a backup yields, in file order. */
export type BackupItem =
  | { kind: 'header'; summary: BackupSummary }
  | { kind: 'document'; document: ExportedDocument }
  | { kind: 'tombstone'; tombstone: Tombstone }
  | { kind: 'end'; documents: number; tombstones: number; updates: number; bytes: number };

/** A backup file that is not valid: wrong format or version, cut short, reordered or altered. */
export class BackupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

/** Encodes a backup piece by piece; feed it in the order of the format and send what it returns. */
export class BackupWriter {
  private readonly hash: Hash = createHash('sha256');
  private documents = 0;
  private tombstones = 0;
  private updates = 0;
  private started = false;

  /** The magic line and the header record. */
  start(summary: BackupSummary): Buffer {
    this.started = true;
    return this.hashed([Buffer.from(MAGIC), record(RecordType.header, json(summary))]);
  }

  /** The records of one document. */
  document({ meta, snapshot, log }: ExportedDocument): Buffer {
    this.assertStarted();
    this.documents += 1;
    this.updates += log.length + (snapshot ? 1 : 0);
    const parts = [record(RecordType.document, json(meta))];
    if (snapshot) parts.push(record(RecordType.snapshot, snapshot));
    for (const entry of log) parts.push(record(RecordType.log, entry));
    return this.hashed(parts);
  }

  /** The record of one tombstone. */
  tombstone(tombstone: Tombstone): Buffer {
    this.assertStarted();
    this.tombstones += 1;
    return this.hashed([record(RecordType.tombstone, json(tombstone))]);
  }

  /** The end record and the checksum. */
  end(): Buffer {
    this.assertStarted();
    const body = this.hashed([record(RecordType.end, json({ documents: this.documents, tombstones: this.tombstones, updates: this.updates }))]);
    return Buffer.concat([body, this.hash.digest()]);
  }

  private hashed(parts: Uint8Array[]): Buffer {
    const buffer = Buffer.concat(parts);
    this.hash.update(buffer);
    return buffer;
  }

  private assertStarted(): void {
    if (!this.started) throw new Error('BackupWriter: start() must come first');
  }
}

/**
 * Reads a backup from a stream of chunks, yielding its items as they complete (one document at a
 * time, with its snapshot and log). Throws `BackupFormatError` for anything that does not follow
 * the format, and only yields `end` once the checksum over the whole file matched.
 */
export async function* readBackup(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<BackupItem> {
  const input = new ChunkReader(chunks);
  try {
    yield* readItems(input);
  } finally {
    await input.close();
  }
}

async function* readItems(input: ChunkReader): AsyncGenerator<BackupItem> {
  const hash = createHash('sha256');
  const take = async (length: number, what: string) => {
    const bytes = await input.read(length);
    if (!bytes) throw new BackupFormatError(`the backup ends early, in the middle of ${what} (after ${input.offset} bytes): the file is incomplete`);
    hash.update(bytes);
    return bytes;
  };

  const magic = await input.read(MAGIC.length);
  if (!magic?.toString('latin1').startsWith(MAGIC_PREFIX)) throw new BackupFormatError('this is not a Quire backup (it does not start with "QUIRE-BACKUP")');
  if (magic.toString('latin1') !== MAGIC) {
    throw new BackupFormatError(
      `this backup has format version ${JSON.stringify(magic.toString('latin1').slice(MAGIC_PREFIX.length).trim())}; this version reads ${BACKUP_VERSION}`,
    );
  }
  hash.update(magic);

  let summary: BackupSummary | null = null;
  let document: ExportedDocument | null = null;
  const counts = { documents: 0, tombstones: 0, updates: 0 };
  while (true) {
    const head = await take(RECORD_HEADER_BYTES, 'a record header');
    const type = head[0];
    const length = head.readUInt32BE(1);
    const payload = await take(length, `a record of ${length} bytes`);
    if (summary === null && type !== RecordType.header) throw new BackupFormatError('the backup does not start with its header record');
    // A document's snapshot and log follow its metadata; anything else completes it.
    if (document && type !== RecordType.snapshot && type !== RecordType.log) {
      yield { kind: 'document', document };
      document = null;
    }
    switch (type) {
      case RecordType.header: {
        if (summary !== null) throw new BackupFormatError('the backup has a second header record');
        summary = parseJson<BackupSummary>(payload, 'header');
        yield { kind: 'header', summary };
        break;
      }
      case RecordType.document: {
        if (counts.tombstones > 0) throw new BackupFormatError('a document record comes after the tombstones');
        document = { meta: parseJson<DocumentMeta>(payload, 'document'), snapshot: null, log: [] };
        counts.documents += 1;
        break;
      }
      case RecordType.snapshot: {
        if (!document || document.snapshot || document.log.length > 0) throw new BackupFormatError('a snapshot record is not right after its document record');
        document.snapshot = payload;
        counts.updates += 1;
        break;
      }
      case RecordType.log: {
        if (!document) throw new BackupFormatError('a log record comes before any document record');
        document.log.push(payload);
        counts.updates += 1;
        break;
      }
      case RecordType.tombstone: {
        yield { kind: 'tombstone', tombstone: parseJson<Tombstone>(payload, 'tombstone') };
        counts.tombstones += 1;
        break;
      }
      case RecordType.end: {
        const end = parseJson<typeof counts>(payload, 'end');
        if (end.documents !== counts.documents || end.tombstones !== counts.tombstones || end.updates !== counts.updates) {
          throw new BackupFormatError(`the end record counts ${JSON.stringify(end)} but the backup holds ${JSON.stringify(counts)}`);
        }
        const expected = hash.digest();
        const stored = await input.read(HASH_BYTES);
        if (!stored) throw new BackupFormatError('the backup ends before its checksum: the file is incomplete');
        if (!stored.equals(expected)) throw new BackupFormatError('the backup checksum does not match its content: the file was altered or damaged');
        if (await input.read(1)) throw new BackupFormatError('the backup has bytes after its checksum');
        yield { kind: 'end', ...counts, bytes: input.offset };
        return;
      }
      default:
        throw new BackupFormatError(`unknown record type ${type} at byte ${input.offset - length - RECORD_HEADER_BYTES}`);
    }
  }
}

function record(type: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(RECORD_HEADER_BYTES);
  head[0] = type;
  head.writeUInt32BE(payload.byteLength, 1);
  return Buffer.concat([head, payload]);
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function parseJson<T>(payload: Buffer, what: string): T {
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch {
    throw new BackupFormatError(`a ${what} record is not valid JSON`);
  }
}

/** Reads exact byte counts from a stream of chunks of any size. */
class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private done = false;
  /** Bytes handed out so far. */
  offset = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  /** Stops the underlying stream (when reading ends early). */
  async close(): Promise<void> {
    if (!this.done) await this.iterator.return?.();
  }

  /** Exactly `length` bytes, or null when the stream ends first. */
  async read(length: number): Promise<Buffer | null> {
    while (this.bufferedBytes < length && !this.done) {
      const { value, done } = await this.iterator.next();
      if (done) this.done = true;
      else if (value.byteLength > 0) {
        this.buffered.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        this.bufferedBytes += value.byteLength;
      }
    }
    if (this.bufferedBytes < length) return null;
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered);
    // Copy what is handed out, so no caller keeps a large chunk alive through a small slice.
    const result = Buffer.from(all.subarray(0, length));
    const rest = all.subarray(length);
    this.buffered = rest.byteLength > 0 ? [rest] : [];
    this.bufferedBytes = rest.byteLength;
    this.offset += length;
    return result;
  }
}

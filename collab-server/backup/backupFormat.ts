import { createHash, type Hash } from 'node:crypto';
import { type BlobInfo, isBlobHash } from '../../persistence/BlobStore';
import type { DocumentMeta, ExportedDocument, Tombstone } from '../../persistence/DocumentStore';
import { emptyHistory, type HistoryHead, isEmptyHistory, type VersionAuthor, type VersionInfo } from '../../persistence/VersionStore';

/**
 * The backup file format, version 3: every document of a store with its version history and its
 * blobs (images), and every tombstone, independent of the LevelDB key layout, streamable in both
 * directions with one document (and one chunk of a blob) in memory at a time.
 *
 *   "QUIRE-BACKUP 3\n"                          magic line with the format version
 *   record*                                     type (1 byte), length (4 bytes, big-endian), payload
 *   SHA-256 (32 bytes)                          of every byte before it
 *
 * Records, in this order: one `header` (JSON: createdAt, documents, tombstones); per document a
 * `document` (JSON metadata), at most one `snapshot` and its `log` entries in order (raw Yjs
 * updates), then its history: a `head` (JSON: nextId, state in base64 or null, contributors),
 * left out when the document has no history yet, and per version, oldest first, a `version`
 * (JSON: id, createdAt, label, authors, bytes, restoredFrom) followed by its `delta` (the raw
 * Yjs update), then per blob a `blob` (JSON: hash, size, type, createdAt) followed by `blob data`
 * records (its bytes, in order, adding up to its size; none for an empty blob), checked against
 * its size and SHA-256 as they are read; the `tombstone`s (JSON: name, deletedAt); one `end`
 * (JSON: the counts again, the number of updates, versions and blobs). A file that is cut short
 * has no valid end and checksum and is refused.
 *
 * Version 2 is version 3 without blob records (and without `blobs` in `end`), version 1 version 2
 * without history records (and without `versions`); both are still read, their documents getting
 * no blobs and (version 1) empty histories.
 */

export const BACKUP_VERSION = 3;
/** The format versions this code reads. */
const READABLE_VERSIONS = [1, 2, 3];
const MAGIC_PREFIX = 'QUIRE-BACKUP ';
const magicOf = (version: number) => `${MAGIC_PREFIX}${version}\n`;
const MAGIC = magicOf(BACKUP_VERSION);
const HASH_BYTES = 32;
const RECORD_HEADER_BYTES = 5;

const RecordType = { header: 1, document: 2, snapshot: 3, log: 4, tombstone: 5, end: 6, head: 7, version: 8, delta: 9, blob: 10, blobData: 11 } as const;

/** The last record type each format version knows. */
const LAST_RECORD_TYPE: Record<number, number> = { 1: RecordType.end, 2: RecordType.delta, 3: RecordType.blobData };

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
  /** A blob of the document before it; read its chunks before asking for the next item (or they are skipped). */
  | { kind: 'blob'; name: string; blob: BlobInfo; chunks: AsyncIterable<Uint8Array> }
  | { kind: 'tombstone'; tombstone: Tombstone }
  | { kind: 'end'; documents: number; tombstones: number; updates: number; versions: number; blobs: number; bytes: number };

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
  private versions = 0;
  private blobs = 0;
  /** Bytes of the current blob still to come. */
  private blobBytesDue = 0;
  private started = false;

  /** The magic line and the header record. */
  start(summary: BackupSummary): Buffer {
    this.started = true;
    return this.hashed([Buffer.from(MAGIC), record(RecordType.header, json(summary))]);
  }

  /** The records of one document and its history. */
  document({ meta, snapshot, log, history }: ExportedDocument): Buffer {
    this.assertBlobDone();
    this.documents += 1;
    this.updates += log.length + (snapshot ? 1 : 0);
    this.versions += history.versions.length;
    const parts = [record(RecordType.document, json(meta))];
    if (snapshot) parts.push(record(RecordType.snapshot, snapshot));
    for (const entry of log) parts.push(record(RecordType.log, entry));
    if (!isEmptyHistory(history)) parts.push(record(RecordType.head, json(encodeHead(history.head))));
    for (const { info, delta } of history.versions) parts.push(record(RecordType.version, json(info)), record(RecordType.delta, delta));
    return this.hashed(parts);
  }

  /** The record of one blob of the document written last; its bytes follow through `blobData`. */
  blob({ hash, size, type, createdAt }: BlobInfo): Buffer {
    this.assertBlobDone();
    this.blobs += 1;
    this.blobBytesDue = size;
    return this.hashed([record(RecordType.blob, json({ hash, size, type, createdAt }))]);
  }

  /** A chunk of the current blob's bytes. */
  blobData(chunk: Uint8Array): Buffer {
    this.assertStarted();
    if (chunk.byteLength > this.blobBytesDue) throw new Error('BackupWriter: more blob bytes than the blob record announced');
    this.blobBytesDue -= chunk.byteLength;
    return this.hashed([record(RecordType.blobData, chunk)]);
  }

  /** The record of one tombstone. */
  tombstone(tombstone: Tombstone): Buffer {
    this.assertBlobDone();
    this.tombstones += 1;
    return this.hashed([record(RecordType.tombstone, json(tombstone))]);
  }

  /** The end record and the checksum. */
  end(): Buffer {
    this.assertBlobDone();
    const body = this.hashed([
      record(
        RecordType.end,
        json({ documents: this.documents, tombstones: this.tombstones, updates: this.updates, versions: this.versions, blobs: this.blobs }),
      ),
    ]);
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

  private assertBlobDone(): void {
    this.assertStarted();
    if (this.blobBytesDue > 0) throw new Error(`BackupWriter: the last blob still needs ${this.blobBytesDue} bytes`);
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
  const magicText = magic?.toString('latin1') ?? '';
  if (!magicText.startsWith(MAGIC_PREFIX)) throw new BackupFormatError('this is not a Quire backup (it does not start with "QUIRE-BACKUP")');
  const version = READABLE_VERSIONS.find((candidate) => magicOf(candidate) === magicText);
  if (version === undefined) {
    throw new BackupFormatError(
      `this backup has format version ${JSON.stringify(magicText.slice(MAGIC_PREFIX.length).trim())}; this version reads ${READABLE_VERSIONS.join(' and ')}`,
    );
  }
  hash.update(magic as Buffer);

  let summary: BackupSummary | null = null;
  let document: DocumentInProgress | null = null;
  /** The name of the last document read: the blobs after it are its own. */
  let lastDocument: string | null = null;
  const counts = { documents: 0, tombstones: 0, updates: 0, versions: 0, blobs: 0 };
  const nextRecord = async () => {
    const head = await take(RECORD_HEADER_BYTES, 'a record header');
    const length = head.readUInt32BE(1);
    return { type: head[0], length, payload: await take(length, `a record of ${length} bytes`) };
  };
  while (true) {
    const { type, length, payload } = await nextRecord();
    if (summary === null && type !== RecordType.header) throw new BackupFormatError('the backup does not start with its header record');
    if (type > LAST_RECORD_TYPE[version] && type <= RecordType.blobData) {
      throw new BackupFormatError(`unknown record type ${type} in a version ${version} backup`);
    }
    if (document?.awaitingDelta && type !== RecordType.delta) {
      throw new BackupFormatError(`version ${document.awaitingDelta.id} of "${document.document.meta.name}" is not followed by its delta record`);
    }
    // A document's snapshot, log and history follow its metadata; anything else completes it.
    if (document && !DOCUMENT_PARTS.has(type)) {
      yield { kind: 'document', document: document.document };
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
        document = { document: { meta: parseJson<DocumentMeta>(payload, 'document'), snapshot: null, log: [], history: emptyHistory() }, part: 'content' };
        lastDocument = document.document.meta.name;
        counts.documents += 1;
        break;
      }
      case RecordType.blob: {
        if (lastDocument === null || counts.tombstones > 0) throw new BackupFormatError('a blob record does not follow a document');
        const info = parseBlob(parseJson<unknown>(payload, 'blob'));
        const data = new BlobData(info, lastDocument, async () => {
          const next = await nextRecord();
          if (next.type !== RecordType.blobData) {
            throw new BackupFormatError(
              `blob ${info.hash} of "${lastDocument}" is followed by a record of type ${next.type} before all its ${info.size} bytes`,
            );
          }
          return next.payload;
        });
        yield { kind: 'blob', name: lastDocument, blob: info, chunks: data.chunks() };
        // Whatever the reader left unread is read (and checked) here, so the file goes on in step.
        while (await data.next()) {}
        counts.blobs += 1;
        break;
      }
      case RecordType.blobData:
        throw new BackupFormatError('a blob data record does not follow its blob record');
      case RecordType.snapshot: {
        if (document?.part !== 'content' || document.document.snapshot || document.document.log.length > 0) {
          throw new BackupFormatError('a snapshot record is not right after its document record');
        }
        document.document.snapshot = payload;
        counts.updates += 1;
        break;
      }
      case RecordType.log: {
        if (!document) throw new BackupFormatError('a log record comes before any document record');
        if (document.part !== 'content') throw new BackupFormatError(`a log record of "${document.document.meta.name}" comes after its history`);
        document.document.log.push(payload);
        counts.updates += 1;
        break;
      }
      case RecordType.head: {
        if (document?.part !== 'content') throw new BackupFormatError('a history head record is not right after the content of its document');
        document.document.history.head = decodeHead(parseJson<unknown>(payload, 'history head'));
        document.part = 'history';
        break;
      }
      case RecordType.version: {
        if (document?.part !== 'history') throw new BackupFormatError('a version record comes before the history head of its document');
        document.awaitingDelta = parseVersion(parseJson<unknown>(payload, 'version'));
        break;
      }
      case RecordType.delta: {
        const info = document?.awaitingDelta;
        if (!document || !info) throw new BackupFormatError('a delta record is not right after its version record');
        if (payload.byteLength !== info.bytes) {
          throw new BackupFormatError(
            `version ${info.id} of "${document.document.meta.name}" says its delta has ${info.bytes} bytes, but the record holds ${payload.byteLength}`,
          );
        }
        document.document.history.versions.push({ info, delta: payload });
        document.awaitingDelta = undefined;
        counts.versions += 1;
        break;
      }
      case RecordType.tombstone: {
        yield { kind: 'tombstone', tombstone: parseJson<Tombstone>(payload, 'tombstone') };
        counts.tombstones += 1;
        break;
      }
      case RecordType.end: {
        const end = parseJson<Partial<typeof counts>>(payload, 'end');
        // Version 1 has no history, and versions before 3 no blobs, so their end records count none.
        const versions = version === 1 ? 0 : end.versions;
        const blobs = version < 3 ? 0 : end.blobs;
        if (
          end.documents !== counts.documents ||
          end.tombstones !== counts.tombstones ||
          end.updates !== counts.updates ||
          versions !== counts.versions ||
          blobs !== counts.blobs
        ) {
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

/**
 * The bytes of one blob as its data records arrive: each chunk is counted and hashed, and the last
 * must leave the size and the SHA-256 the blob record announced.
 */
class BlobData {
  private remaining: number;
  private readonly hash = createHash('sha256');
  private checked = false;

  constructor(
    private readonly info: BlobInfo,
    private readonly document: string,
    private readonly record: () => Promise<Buffer>,
  ) {
    this.remaining = info.size;
  }

  /** The next chunk, or null once every byte was read (and checked). */
  async next(): Promise<Buffer | null> {
    if (this.remaining === 0) {
      this.check();
      return null;
    }
    const chunk = await this.record();
    if (chunk.byteLength > this.remaining) {
      throw new BackupFormatError(`blob ${this.info.hash} of "${this.document}" holds more bytes than its size, ${this.info.size}`);
    }
    this.remaining -= chunk.byteLength;
    this.hash.update(chunk);
    if (this.remaining === 0) this.check();
    return chunk;
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    while (true) {
      const chunk = await this.next();
      if (!chunk) return;
      yield chunk;
    }
  }

  private check(): void {
    if (this.checked) return;
    this.checked = true;
    if (this.hash.digest('hex') !== this.info.hash) {
      throw new BackupFormatError(`blob ${this.info.hash} of "${this.document}" does not hold the bytes its SHA-256 names: the file was altered or damaged`);
    }
  }
}

function parseBlob(value: unknown): BlobInfo {
  const info = value as BlobInfo;
  const whole = (field: unknown) => Number.isSafeInteger(field) && (field as number) >= 0;
  if (typeof info !== 'object' || info === null || !isBlobHash(info.hash) || !whole(info.size) || !whole(info.createdAt) || typeof info.type !== 'string') {
    throw new BackupFormatError('a blob record lacks its hash, size, type or time');
  }
  return { hash: info.hash, size: info.size, type: info.type, createdAt: info.createdAt };
}

/** The record types that belong to the document before them. */
const DOCUMENT_PARTS = new Set<number>([RecordType.snapshot, RecordType.log, RecordType.head, RecordType.version, RecordType.delta]);

/** A document being read: which of its parts come next, and a version whose delta is due. */
interface DocumentInProgress {
  document: ExportedDocument;
  part: 'content' | 'history';
  awaitingDelta?: VersionInfo;
}

/** The head as JSON: the state (an encoded `Y.Snapshot`) in base64. */
interface HeadRecord {
  nextId: number;
  state: string | null;
  contributors: VersionAuthor[];
}

function encodeHead({ nextId, state, contributors }: HistoryHead): HeadRecord {
  return { nextId, state: state ? Buffer.from(state.buffer, state.byteOffset, state.byteLength).toString('base64') : null, contributors };
}

function decodeHead(value: unknown): HistoryHead {
  const head = value as HeadRecord;
  if (
    typeof head !== 'object' ||
    head === null ||
    typeof head.nextId !== 'number' ||
    !(head.state === null || typeof head.state === 'string') ||
    !Array.isArray(head.contributors)
  ) {
    throw new BackupFormatError('a history head record lacks nextId, state or contributors');
  }
  return { nextId: head.nextId, state: head.state === null ? null : new Uint8Array(Buffer.from(head.state, 'base64')), contributors: head.contributors };
}

function parseVersion(value: unknown): VersionInfo {
  const info = value as VersionInfo;
  if (typeof info !== 'object' || info === null || !Number.isSafeInteger(info.id) || !Number.isSafeInteger(info.bytes) || info.bytes < 0) {
    throw new BackupFormatError('a version record lacks its id or its delta size');
  }
  // The store checks the rest of the description when it imports the document.
  return info;
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

import { ConversionError } from '../ConversionError';

/**
 * What a .docx (a zip archive) may hold before any of it is decompressed. The sizes come from the
 * archive's central directory; an entry that inflates past what it declares is stopped by the
 * conversion worker's memory cap, so a lying archive costs that one worker only.
 */
export interface ZipLimits {
  /** Bytes of all entries once decompressed. */
  maxUncompressedBytes: number;
  /** Bytes of one entry once decompressed. */
  maxEntryBytes: number;
  /** Entries in the archive. */
  maxEntries: number;
  /** Largest ratio of an entry's decompressed to compressed size (a zip bomb's mark). */
  maxRatio: number;
}

/** The limits a .docx import is held to: a text document's parts are small, its images are dropped unread. */
export const DOCX_ZIP_LIMITS: ZipLimits = { maxUncompressedBytes: 64 * 1024 * 1024, maxEntryBytes: 32 * 1024 * 1024, maxEntries: 2000, maxRatio: 200 };

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
/** The end-of-directory record is 22 bytes plus a comment of at most 65535. */
const END_SEARCH_BYTES = 22 + 0xffff;

/** One archive entry as its central directory describes it. */
export interface ZipEntry {
  name: string;
  compressedBytes: number;
  uncompressedBytes: number;
}

/**
 * Reads the central directory of the zip archive `bytes` and refuses (413 for sizes, 422 for
 * anything that is not a plain zip) what breaks `limits`; returns the entries.
 */
export function checkZip(bytes: Uint8Array, limits: ZipLimits): ZipEntry[] {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notZip = (why: string) => new ConversionError('invalid', `the file is not a .docx document (${why}); a Word document saved as .docx is expected`, 422);
  if (data.length < 22 || data.readUInt32LE(0) !== 0x04034b50) throw notZip('it is not a zip archive');
  let end = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - END_SEARCH_BYTES); at--) {
    if (data.readUInt32LE(at) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end === -1) throw notZip('its zip directory is missing');
  const count = data.readUInt16LE(end + 10);
  const directoryBytes = data.readUInt32LE(end + 12);
  const directoryStart = data.readUInt32LE(end + 16);
  if (count === 0xffff || directoryStart === 0xffffffff) throw notZip('it is a zip64 archive, which no .docx needs');
  if (count > limits.maxEntries) throw tooLarge(`it has ${count} entries; at most ${limits.maxEntries} are accepted`);
  if (directoryStart + directoryBytes > end) throw notZip('its zip directory is damaged');
  const entries: ZipEntry[] = [];
  let total = 0;
  let at = directoryStart;
  for (let index = 0; index < count; index++) {
    if (at + 46 > end || data.readUInt32LE(at) !== DIRECTORY_ENTRY) throw notZip('its zip directory is damaged');
    const compressedBytes = data.readUInt32LE(at + 20);
    const uncompressedBytes = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    if (next > end) throw notZip('its zip directory is damaged');
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    if (compressedBytes === 0xffffffff || uncompressedBytes === 0xffffffff) throw notZip('it is a zip64 archive, which no .docx needs');
    if (uncompressedBytes > limits.maxEntryBytes)
      throw tooLarge(`its part ${JSON.stringify(name)} unpacks to ${mb(uncompressedBytes)}; at most ${mb(limits.maxEntryBytes)} per part is accepted`);
    if (uncompressedBytes > 1024 * 1024 && uncompressedBytes > compressedBytes * limits.maxRatio)
      throw tooLarge(
        `its part ${JSON.stringify(name)} unpacks ${Math.round(uncompressedBytes / Math.max(1, compressedBytes))} times larger than it is packed, as zip bombs do`,
      );
    total += uncompressedBytes;
    if (total > limits.maxUncompressedBytes) throw tooLarge(`it unpacks to more than ${mb(limits.maxUncompressedBytes)}`);
    entries.push({ name, compressedBytes, uncompressedBytes });
    at = next;
  }
  return entries;
}

function tooLarge(why: string): ConversionError {
  return new ConversionError('invalid', `the .docx file is refused: ${why}`, 413);
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

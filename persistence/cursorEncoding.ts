/**
 * The stored form of a document's log cursor (SPEC.md [L25]): where the last append left the log.
 * Every keystroke writes one, so it is kept small: a version byte, then the three numbers as
 * unsigned LEB128 varints (about 13 bytes; the JSON form it replaces took about 37). Cursors
 * stored as JSON by earlier builds are still read.
 */

/** What an append changes in the metadata. */
export interface Cursor {
  /** `nextSeq` */
  n: number;
  /** `logBytes` */
  b: number;
  /** `updatedAt` */
  u: number;
}

/** First byte of a binary cursor; a JSON cursor starts with `{`. */
const BINARY_V1 = 0x01;

/** The bytes stored for `cursor` (its fields are whole numbers ≥ 0). */
export function encodeCursor(cursor: Cursor): Buffer {
  const bytes = [BINARY_V1];
  for (const field of [cursor.n, cursor.b, cursor.u]) writeVarint(bytes, field);
  return Buffer.from(bytes);
}

/** The cursor stored in `value`, binary or JSON; throws, saying what is wrong, when it is neither. */
export function decodeCursor(value: Buffer): Cursor {
  if (value[0] !== BINARY_V1) return JSON.parse(value.toString()) as Cursor;
  const fields: number[] = [];
  let offset = 1;
  for (let i = 0; i < 3; i++) {
    const [field, next] = readVarint(value, offset);
    fields.push(field);
    offset = next;
  }
  if (offset !== value.byteLength) throw new Error(`${value.byteLength - offset} bytes follow the binary cursor`);
  return { n: fields[0], b: fields[1], u: fields[2] };
}

function writeVarint(bytes: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`a cursor field must be a whole number ≥ 0, not ${value}`);
  let rest = value;
  // Division, not bit shifts: times in milliseconds need more than 32 bits.
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
}

function readVarint(value: Buffer, start: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (let offset = start; offset < value.byteLength; offset++) {
    const byte = value[offset];
    result += (byte & 0x7f) * scale;
    if (!Number.isSafeInteger(result)) throw new Error('a binary cursor field is larger than a safe integer');
    if (byte < 0x80) return [result, offset + 1];
    scale *= 0x80;
  }
  throw new Error('the binary cursor ends inside a number');
}

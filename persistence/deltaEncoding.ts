import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';

/**
 * How a version's delta is stored (SPEC.md [L26]). A large delta (the first version of a
 * document holds its whole content) is mostly text, which DEFLATE shrinks to a third or less;
 * LevelDB writes every value at least twice (its log, then its tables) and compresses neither the
 * log nor already-compressed values, so compressing here cuts the bytes on disk where they are
 * largest. Small deltas are stored as they are: too little to gain for the work.
 */

/** Deltas shorter than this are stored raw. */
export const DEFLATE_MIN_BYTES = 1024;

const deflate = promisify(deflateRaw);

/** A delta as stored: its value, and the stored length when it is deflated (null when raw). */
export interface EncodedDelta {
  value: Buffer;
  deflated: number | null;
}

/**
 * The stored form of `delta`: raw-DEFLATE compressed when it is at least `DEFLATE_MIN_BYTES` and
 * compresses to less than 90% of its size, else the bytes as they are. Compresses off the event
 * loop (zlib's thread pool).
 */
export async function encodeDelta(delta: Uint8Array): Promise<EncodedDelta> {
  const raw = Buffer.isBuffer(delta) ? delta : Buffer.from(delta.buffer, delta.byteOffset, delta.byteLength);
  if (raw.byteLength < DEFLATE_MIN_BYTES) return { value: raw, deflated: null };
  const compressed = await deflate(raw);
  if (compressed.byteLength >= raw.byteLength * 0.9) return { value: raw, deflated: null };
  return { value: compressed, deflated: compressed.byteLength };
}

/**
 * The delta a stored value holds: inflated when it was stored deflated. Throws (with what was
 * wrong) when the value is not what its description says; the caller reports it as `CORRUPT`.
 */
export function decodeDelta(value: Buffer, deflated: number | null, bytes: number): Buffer {
  if (deflated === null) {
    if (value.byteLength !== bytes) throw new Error(`its delta has ${bytes} bytes but ${value.byteLength} are stored`);
    return value;
  }
  if (value.byteLength !== deflated) throw new Error(`its deflated delta has ${deflated} bytes but ${value.byteLength} are stored`);
  let delta: Buffer;
  try {
    // Never inflate past the size the description promises: damage must not make a huge buffer.
    delta = inflateRawSync(value, { maxOutputLength: Math.max(bytes, 1) });
  } catch (error) {
    throw new Error(`its deflated delta does not inflate to ${bytes} bytes (${error instanceof Error ? error.message : String(error)})`);
  }
  if (delta.byteLength !== bytes) throw new Error(`its delta inflates to ${delta.byteLength} bytes, not the ${bytes} its description says`);
  return delta;
}

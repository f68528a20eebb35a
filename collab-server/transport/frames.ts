import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** Hocuspocus message types (the first four are also the y-websocket message types). */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  SyncReply: 4,
  Stateless: 5,
  BroadcastStateless: 6,
  Close: 7,
  SyncStatus: 8,
} as const;

/** Sync sub-types inside a `MessageType.Sync` frame (y-protocols). */
export const SyncStep = { Step1: 0, Step2: 1, Update: 2 } as const;

/** Auth sub-types inside a `MessageType.Auth` frame. */
export const AuthType = { Token: 0, PermissionDenied: 1, Authenticated: 2 } as const;

/** The start of a Hocuspocus frame: `varString address, varUint type`. */
export interface FrameHeader {
  /** `documentName`, or `documentName\0sessionId` for session-aware providers. */
  address: string;
  documentName: string;
  type: number;
  /** Positioned right after the type. */
  decoder: decoding.Decoder;
}

/** Reads a Hocuspocus frame header; throws when the frame is malformed. */
export function readHeader(data: Uint8Array): FrameHeader {
  const decoder = decoding.createDecoder(data);
  const address = decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  const separator = address.indexOf('\u0000');
  return { address, documentName: separator === -1 ? address : address.slice(0, separator), type, decoder };
}

/** The message type of a Hocuspocus frame, or -1 when its header cannot be read. */
export function frameType(data: Uint8Array): number {
  // Fast path: names shorter than 128 bytes have a one-byte length, so the type sits at 1 + length.
  const length = data[0];
  if (length < 128 && data.length > 1 + length) return data[1 + length] < 128 ? data[1 + length] : -1;
  try {
    return readHeader(data).type;
  } catch {
    return -1;
  }
}

/** A Close frame for `address` with `reason` (what Hocuspocus sends when it closes one document). */
export function closeFrame(address: string, reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  encoding.writeVarUint(encoder, MessageType.Close);
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}

/**
 * The document of an outgoing positive sync acknowledgement (`SyncStatus` with `applied = 1`),
 * or null for any other frame. Runs on every outgoing frame, so the common case is a byte check.
 */
export function acknowledgedDocument(data: Uint8Array): string | null {
  // Fast path: names shorter than 128 bytes have a one-byte length, so the type sits at 1 + length.
  const length = data[0];
  if (length < 128 && data[1 + length] !== MessageType.SyncStatus) return null;
  try {
    const header = readHeader(data);
    if (header.type !== MessageType.SyncStatus) return null;
    return decoding.readVarUint(header.decoder) === 1 ? header.documentName : null;
  } catch {
    return null;
  }
}

/** A frame addressed to `address` carrying `payload` (the rest of a y-websocket message). */
export function prefixAddress(address: string, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  encoding.writeUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** The Hocuspocus auth frame a provider sends first: `address, Auth, Token, token`. */
export function authFrame(address: string, token: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  encoding.writeVarUint(encoder, MessageType.Auth);
  encoding.writeVarUint(encoder, AuthType.Token);
  encoding.writeVarString(encoder, token);
  return encoding.toUint8Array(encoder);
}

/**
 * True when `frame` is a sync step 1 with an empty state vector: a client asking for the whole
 * document because it has nothing of it yet. Checked on incoming frames, so names shorter than
 * 128 bytes are judged from their bytes alone.
 */
export function isWholeDocumentRequest(frame: Uint8Array): boolean {
  const length = frame[0];
  if (length < 128) {
    // address (1 + length bytes), Sync, Step1, a one-byte state vector holding 0 entries.
    return (
      frame.length === length + 5 &&
      frame[length + 1] === MessageType.Sync &&
      frame[length + 2] === SyncStep.Step1 &&
      frame[length + 3] === 1 &&
      frame[length + 4] === 0
    );
  }
  try {
    const { type, decoder } = readHeader(frame);
    if (type !== MessageType.Sync || decoding.readVarUint(decoder) !== SyncStep.Step1) return false;
    const stateVector = decoding.readVarUint8Array(decoder);
    return stateVector.length === 1 && stateVector[0] === 0 && !decoding.hasContent(decoder);
  } catch {
    return false;
  }
}

/** A Hocuspocus sync frame for `address`: `step` (a `SyncStep`) carrying `payload`. */
export function syncFrame(address: string, step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, address);
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, step);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

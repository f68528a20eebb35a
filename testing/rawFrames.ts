import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * Hand-built frames of both wire protocols, for tests that must send what no well-behaved
 * provider would: a viewer's writes, other clients' awareness, truncated or mutated bytes.
 *
 * y-websocket frame:  varUint type, payload
 * Hocuspocus frame:   varString address, varUint type, payload
 * (types 0 sync, 1 awareness, 3 query-awareness are shared; Hocuspocus adds 2 auth,
 * 5 stateless, 6 broadcast-stateless, 7 close, 8 sync-status.)
 *
 * The numbers are spelled out here rather than imported from the server's `frames.ts`, so a wrong
 * constant there cannot hide behind the same constant in the tests.
 */

export const FrameType = {
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

/** Sync sub-messages (y-protocols). */
export const SyncStep = { Step1: 0, Step2: 1, Update: 2 } as const;

/** Auth sub-messages (Hocuspocus). */
export const AuthKind = { Token: 0, PermissionDenied: 1, Authenticated: 2 } as const;

function build(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** The payload of a sync message: `step`, then a var-length byte array. */
export function syncPayload(step: number, bytes: Uint8Array): Uint8Array {
  return build((encoder) => {
    encoding.writeVarUint(encoder, FrameType.Sync);
    encoding.writeVarUint(encoder, step);
    encoding.writeVarUint8Array(encoder, bytes);
  });
}

/**
 * An awareness update claiming `states` (client id → state, or null to remove it). `clock`
 * must be above the receiver's current clock for the client id to be taken.
 */
export function awarenessUpdate(states: Array<{ clientId: number; clock: number; state: unknown }>): Uint8Array {
  return build((encoder) => {
    encoding.writeVarUint(encoder, states.length);
    for (const { clientId, clock, state } of states) {
      encoding.writeVarUint(encoder, clientId);
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarString(encoder, JSON.stringify(state));
    }
  });
}

/** Frames of the plain y-websocket protocol (`/y/<document>`). */
export const yFrames = {
  syncStep1: (stateVector: Uint8Array) => syncPayload(SyncStep.Step1, stateVector),
  syncStep2: (update: Uint8Array) => syncPayload(SyncStep.Step2, update),
  update: (update: Uint8Array) => syncPayload(SyncStep.Update, update),
  awareness: (update: Uint8Array) =>
    build((encoder) => {
      encoding.writeVarUint(encoder, FrameType.Awareness);
      encoding.writeVarUint8Array(encoder, update);
    }),
  queryAwareness: () => build((encoder) => encoding.writeVarUint(encoder, FrameType.QueryAwareness)),
};

/** Prefixes a y-websocket-style message with a Hocuspocus address. */
function addressed(address: string, rest: Uint8Array): Uint8Array {
  return build((encoder) => {
    encoding.writeVarString(encoder, address);
    encoding.writeUint8Array(encoder, rest);
  });
}

/** Frames of the Hocuspocus protocol (`/collab`), addressed to a document. */
export const hpFrames = {
  auth: (address: string, token: string) =>
    build((encoder) => {
      encoding.writeVarString(encoder, address);
      encoding.writeVarUint(encoder, FrameType.Auth);
      encoding.writeVarUint(encoder, AuthKind.Token);
      encoding.writeVarString(encoder, token);
    }),
  syncStep1: (address: string, stateVector: Uint8Array) => addressed(address, yFrames.syncStep1(stateVector)),
  syncStep2: (address: string, update: Uint8Array) => addressed(address, yFrames.syncStep2(update)),
  update: (address: string, update: Uint8Array) => addressed(address, yFrames.update(update)),
  awareness: (address: string, update: Uint8Array) => addressed(address, yFrames.awareness(update)),
  queryAwareness: (address: string) => addressed(address, yFrames.queryAwareness()),
  stateless: (address: string, payload: string) =>
    build((encoder) => {
      encoding.writeVarString(encoder, address);
      encoding.writeVarUint(encoder, FrameType.Stateless);
      encoding.writeVarString(encoder, payload);
    }),
  broadcastStateless: (address: string, payload: string) =>
    build((encoder) => {
      encoding.writeVarString(encoder, address);
      encoding.writeVarUint(encoder, FrameType.BroadcastStateless);
      encoding.writeVarString(encoder, payload);
    }),
  /** Any type and raw payload bytes after the address. */
  raw: (address: string, type: number, payload: Uint8Array = new Uint8Array()) =>
    build((encoder) => {
      encoding.writeVarString(encoder, address);
      encoding.writeVarUint(encoder, type);
      encoding.writeUint8Array(encoder, payload);
    }),
};

/**
 * A varint that claims an enormous length (2^53 - 1 needs 8 bytes) followed by nothing: the
 * classic "allocate what the header says" trap.
 */
export function hugeVarUint(): Uint8Array {
  return build((encoder) => encoding.writeVarUint(encoder, Number.MAX_SAFE_INTEGER));
}

/** A varint that never ends (every byte has its continuation bit set). */
export function endlessVarUint(length: number): Uint8Array {
  return new Uint8Array(length).fill(0xff);
}

/** What a server frame of the Hocuspocus protocol says, as far as tests care. */
export interface ServerFrame {
  address: string;
  type: number;
  /** Sync: the sub-step; Auth: the auth kind; SyncStatus: 1 applied / 0 refused. */
  subtype?: number;
  /** Auth: the denial reason or the granted scope; Close: the reason; Stateless: the payload. */
  text?: string;
  /** Sync: the state vector or update carried. */
  bytes?: Uint8Array;
}

/** Decodes a frame the server sent on `/collab`. */
export function readServerFrame(data: Uint8Array): ServerFrame {
  const decoder = decoding.createDecoder(data);
  const address = decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  const frame: ServerFrame = { address, type };
  switch (type) {
    case FrameType.Sync:
    case FrameType.SyncReply:
      frame.subtype = decoding.readVarUint(decoder);
      frame.bytes = decoding.readVarUint8Array(decoder);
      break;
    case FrameType.Auth:
      frame.subtype = decoding.readVarUint(decoder);
      // Permission-denied carries the reason; authenticated carries the scope (readonly / read-write).
      if (frame.subtype !== AuthKind.Token) frame.text = decoding.readVarString(decoder);
      break;
    case FrameType.SyncStatus:
      frame.subtype = decoding.readVarUint(decoder);
      break;
    case FrameType.Close:
    case FrameType.Stateless:
      frame.text = decoding.readVarString(decoder);
      break;
    case FrameType.Awareness:
      frame.bytes = decoding.readVarUint8Array(decoder);
      break;
    default:
  }
  return frame;
}

/** Decodes a frame the server sent on `/y/<document>` (no address). */
export function readYServerFrame(data: Uint8Array): Omit<ServerFrame, 'address'> {
  const decoder = decoding.createDecoder(data);
  const type = decoding.readVarUint(decoder);
  const frame: Omit<ServerFrame, 'address'> = { type };
  if (type === FrameType.Sync) {
    frame.subtype = decoding.readVarUint(decoder);
    frame.bytes = decoding.readVarUint8Array(decoder);
  } else if (type === FrameType.Awareness) {
    frame.bytes = decoding.readVarUint8Array(decoder);
  }
  return frame;
}

/** Decodes an awareness update into client id → state (null for a removal). */
export function readAwarenessStates(update: Uint8Array): Map<number, { clock: number; state: unknown }> {
  const decoder = decoding.createDecoder(update);
  const states = new Map<number, { clock: number; state: unknown }>();
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    states.set(clientId, { clock, state: JSON.parse(decoding.readVarString(decoder)) });
  }
  return states;
}

import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import type { FrameHeader } from './frames';
import { MessageType, SyncStep } from './frames';

const utf8 = new TextDecoder();

/**
 * Room for the `user` field of a presence state beyond `maxPresenceBytes`: the limits extension
 * does not count it (the auth extension replaces it by the token's identity).
 */
export const USER_FIELD_BYTES = 4096;

/**
 * Throws when the payload of a sync or awareness frame does not decode. Hocuspocus (through
 * y-protocols) catches a Yjs update that fails to apply, logs it, and still acknowledges it as
 * applied: checked here, a malformed update is refused with `bad-message` instead, so nothing is
 * acknowledged that was not stored, and a flood of them costs no stack traces in the logs.
 * `header.decoder` must sit right after the message type.
 *
 * A presence (awareness) state whose JSON text is longer than `maxPresenceBytes` plus
 * `USER_FIELD_BYTES` throws `presence-too-large` before anything parses it: the server parses each
 * state as JSON on the event loop (here, in y-protocols and for Hocuspocus' presence hooks), and
 * megabytes of nested brackets took seconds before the limits extension could measure them.
 */
export function checkPayload(header: FrameHeader, maxPresenceBytes: number): void {
  const { type, decoder } = header;
  if (type === MessageType.Sync || type === MessageType.SyncReply) {
    const step = decoding.readVarUint(decoder);
    const bytes = decoding.readVarUint8Array(decoder);
    if (step === SyncStep.Step1) Y.decodeStateVector(bytes);
    else if (step === SyncStep.Step2 || step === SyncStep.Update) Y.decodeUpdate(bytes);
    else throw new Error(`unknown sync step ${step}`);
  } else if (type === MessageType.Awareness) {
    const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
    const count = decoding.readVarUint(update);
    for (let i = 0; i < count; i++) {
      decoding.readVarUint(update);
      decoding.readVarUint(update);
      const state = decoding.readVarUint8Array(update);
      if (state.byteLength > maxPresenceBytes + USER_FIELD_BYTES) throw CloseCodes.PresenceTooLarge;
      JSON.parse(utf8.decode(state));
    }
  }
}

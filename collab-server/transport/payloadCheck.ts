import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import type { FrameHeader } from './frames';
import { MessageType, SyncStep } from './frames';

/**
 * Throws when the payload of a sync or awareness frame does not decode. Hocuspocus (through
 * y-protocols) catches a Yjs update that fails to apply, logs it, and still acknowledges it as
 * applied: checked here, a malformed update is refused with `bad-message` instead, so nothing is
 * acknowledged that was not stored, and a flood of them costs no stack traces in the logs.
 * `header.decoder` must sit right after the message type.
 */
export function checkPayload(header: FrameHeader): void {
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
      JSON.parse(decoding.readVarString(update));
    }
  }
}

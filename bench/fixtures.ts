import * as Y from 'yjs';
import { addParagraph, applyPatch, CodePointIndex, loadTrace, replayTrace } from './trace';

/** Documents the workloads share, built once per run from the `automerge-paper` trace. */

let paper: { updates: Uint8Array[]; state: Uint8Array; stateVector: Uint8Array } | null = null;

/** The whole `automerge-paper` trace replayed: every update in order, and the final state. */
export function automergePaper(): { updates: Uint8Array[]; state: Uint8Array; stateVector: Uint8Array } {
  if (!paper) {
    const { doc, updates } = replayTrace(loadTrace('automerge-paper'));
    paper = { updates, state: Y.encodeStateAsUpdate(doc), stateVector: Y.encodeStateVector(doc) };
  }
  return paper;
}

const sized = new Map<number, Uint8Array>();

/**
 * A document with a real editing history whose encoded state is about `targetBytes`: the
 * `automerge-paper` trace replayed until its state reaches that size.
 */
export function documentOfSize(targetBytes: number): Uint8Array {
  const cached = sized.get(targetBytes);
  if (cached) return cached;
  const trace = loadTrace('automerge-paper');
  const doc = new Y.Doc();
  const text = addParagraph(doc);
  const offsets = new CodePointIndex(trace.startContent);
  let state = Y.encodeStateAsUpdate(doc);
  for (let i = 0; i < trace.patches.length; i++) {
    applyPatch(text, trace.patches[i], offsets);
    if (i % 2000 === 0) {
      state = Y.encodeStateAsUpdate(doc);
      if (state.byteLength >= targetBytes) break;
    }
  }
  state = Y.encodeStateAsUpdate(doc);
  sized.set(targetBytes, state);
  return state;
}

/** A new Y.Doc holding `state`. */
export function docWith(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/** The state vector of `state`, as a map for `hasContent`. */
export function stateVectorOf(state: Uint8Array): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVectorFromUpdate(state));
}

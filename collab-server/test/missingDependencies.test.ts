import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { missingDependencies } from '../schema/missingDependencies';

/**
 * [G10] What would wait in Yjs' pending set, told before applying: each case is also applied to a
 * copy of the document, so the answer is checked against what Yjs itself does.
 */

function document(): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = 1;
  doc.getText('t').insert(0, 'hello');
  return doc;
}

/** What Yjs leaves waiting when `update` is applied to a copy of `doc`. */
function waitsInYjs(doc: Y.Doc, update: Uint8Array): boolean {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  Y.applyUpdate(copy, update);
  return copy.store.pendingStructs !== null || copy.store.pendingDs !== null;
}

/** An update of `items`, one struct per client, each at clock 0 (structs written as Yjs writes them). */
function handMade(items: Y.Item[]): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, items.length);
  for (const item of items) {
    encoding.writeVarUint(encoder.restEncoder, 1);
    encoder.writeClient(item.id.client);
    encoding.writeVarUint(encoder.restEncoder, item.id.clock);
    item.write(encoder, 0);
  }
  encoding.writeVarUint(encoder.restEncoder, 0);
  return encoder.toUint8Array();
}

const textItem = (client: number, origin: Y.ID) => new Y.Item(Y.createID(client, 0), null, origin, null, null, null, null, new Y.ContentString('x'));

describe('[G10] what would wait', () => {
  it('[G10] an edit building on what the document has waits for nothing', () => {
    const doc = document();
    const editor = new Y.Doc();
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(doc));
    const before = Y.encodeStateVector(editor);
    editor.getText('t').insert(2, 'abc');
    editor.getText('t').delete(0, 1);
    const update = Y.encodeStateAsUpdate(editor, before);
    expect(missingDependencies(doc, update)).toBeNull();
    expect(waitsInYjs(doc, update)).toBe(false);
  });

  it('[G10] later clocks of a client, and items inside content never sent, wait', () => {
    const doc = document();
    const editor = new Y.Doc();
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(doc));
    editor.getText('t').insert(0, 'never sent');
    const middle = Y.encodeStateVector(editor);
    editor.getText('t').insert(3, 'inside');
    const update = Y.encodeStateAsUpdate(editor, middle);
    expect(missingDependencies(doc, update)).toMatch(/builds on content the document does not have/);
    expect(waitsInYjs(doc, update)).toBe(true);
  });

  it('[G10] items of two clients that depend on each other wait, though each is in the update', () => {
    const doc = document();
    const cycle = handMade([textItem(8, Y.createID(9, 0)), textItem(9, Y.createID(8, 0))]);
    expect(missingDependencies(doc, cycle)).toMatch(/builds on content the document does not have/);
    expect(waitsInYjs(doc, cycle)).toBe(true);
    // Depending on each other in a chain (no cycle), they integrate at once.
    const chain = handMade([textItem(8, Y.createID(1, 4)), textItem(9, Y.createID(8, 0))]);
    expect(missingDependencies(doc, chain)).toBeNull();
    expect(waitsInYjs(doc, chain)).toBe(false);
  });

  it('[G10] deleting clocks the document does not have waits; deleting what the update adds does not', () => {
    const doc = document();
    const deletion = Y.mergeUpdates([Y.encodeStateAsUpdate(new Y.Doc()), deleteOnly(1, 5, 3)]);
    expect(missingDependencies(doc, deletion)).toMatch(/deletes content the document does not have/);
    expect(waitsInYjs(doc, deletion)).toBe(true);
    const editor = new Y.Doc();
    Y.applyUpdate(editor, Y.encodeStateAsUpdate(doc));
    editor.clientID = 2;
    const before = Y.encodeStateVector(editor);
    editor.getText('t').insert(0, 'abc');
    editor.getText('t').delete(0, 2);
    const own = Y.encodeStateAsUpdate(editor, before);
    expect(missingDependencies(doc, own)).toBeNull();
    expect(waitsInYjs(doc, own)).toBe(false);
  });
});

/** An update with only a deletion of `length` clocks of `client` from `clock`. */
function deleteOnly(client: number, clock: number, length: number): Uint8Array {
  const encoder = encoding.createEncoder();
  for (const value of [0, 1, client, 1, clock, length]) encoding.writeVarUint(encoder, value);
  return encoding.toUint8Array(encoder);
}

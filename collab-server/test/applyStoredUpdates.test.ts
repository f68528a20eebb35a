import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyStoredUpdates } from '../extensions/applyStoredUpdates';

/** A document typed one keystroke per transaction, with its updates in order. */
function typed(keystrokes: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const text = doc.getText('body');
  for (let i = 0; i < keystrokes; i++) {
    // Mostly typing, sometimes deleting a character, like a person writing.
    if (i % 7 === 6 && text.length > 0) text.delete(text.length - 1, 1);
    else text.insert(text.length, String.fromCharCode(97 + (i % 26)));
  }
  return { doc, updates };
}

describe('applyStoredUpdates', () => {
  it('loads a long log to the same content with a single update event', () => {
    const { doc, updates } = typed(3000);
    const snapshot = Y.encodeStateAsUpdate(typed(10).doc);
    const loaded = new Y.Doc();
    let events = 0;
    loaded.on('update', () => {
      events += 1;
    });
    applyStoredUpdates(loaded, [snapshot, ...updates]);
    const expected = new Y.Doc();
    Y.applyUpdate(expected, snapshot);
    for (const update of updates) Y.applyUpdate(expected, update);
    expect(loaded.getText('body').toString()).toBe(expected.getText('body').toString());
    expect(loaded.getText('body').toString()).toContain(doc.getText('body').toString());
    expect(events).toBe(1);
  });

  it.each([20, 600])('keeps updates whose predecessors are missing pending, as applying them directly does (%i updates)', (count) => {
    const { updates } = typed(count);
    const loaded = new Y.Doc();
    applyStoredUpdates(loaded, [updates[0], ...updates.slice(5)]);
    expect(loaded.store.pendingStructs).not.toBeNull();
    expect(loaded.getText('body').toString()).toBe('a');
  });

  it('loads a snapshot with a short log to the same content', () => {
    const { doc, updates } = typed(300);
    const snapshot = Y.mergeUpdates(updates.slice(0, 250));
    const loaded = new Y.Doc();
    applyStoredUpdates(loaded, [snapshot, ...updates.slice(250)]);
    expect(loaded.getText('body').toString()).toBe(doc.getText('body').toString());
  });

  it('applies a single stored state as it is', () => {
    const { doc } = typed(100);
    const loaded = new Y.Doc();
    applyStoredUpdates(loaded, [Y.encodeStateAsUpdate(doc)]);
    expect(loaded.getText('body').toString()).toBe(doc.getText('body').toString());
  });
});

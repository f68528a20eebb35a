import pino from 'pino';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryDocumentStore } from '../../persistence/MemoryDocumentStore';
import { DocumentSaver } from '../extensions/DocumentSaver';

const logger = pino({ level: 'silent' });

async function saverFor(name: string) {
  const store = new MemoryDocumentStore();
  await store.open();
  await store.create(name);
  const doc = new Y.Doc();
  let deletedCalls = 0;
  const saver = new DocumentSaver(
    name,
    doc,
    { store, logger, compactLogEntries: 1000, compactLogBytes: 1 << 30, onDeleted: () => deletedCalls++ },
    { logCount: 0, logBytes: 0, size: 0, title: '' },
  );
  doc.on('update', (update: Uint8Array) => saver.push(update));
  return { store, doc, saver, deletedCalls: () => deletedCalls };
}

describe('DocumentSaver', () => {
  it('resolves whenSaved once the update is in the store', async () => {
    const { store, doc, saver } = await saverFor('saved');
    doc.getText('t').insert(0, 'kept');
    await saver.whenSaved();
    const loaded = await store.load('saved');
    const copy = new Y.Doc();
    for (const update of loaded?.updates ?? []) Y.applyUpdate(copy, update);
    expect(copy.getText('t').toString()).toBe('kept');
  });

  it('never reports updates of a document deleted before they were written as saved', async () => {
    const { store, doc, saver, deletedCalls } = await saverFor('deleted');
    await store.delete('deleted');
    doc.getText('t').insert(0, 'lost with the document');
    await expect(saver.whenSaved()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(saver.isDeleted).toBe(true);
    expect(deletedCalls()).toBe(1);
    // Later updates are not queued for a document that no longer exists.
    doc.getText('t').insert(0, 'more');
    await expect(saver.whenSaved()).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

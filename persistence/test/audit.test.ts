import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditStore } from '../AuditStore';
import type { DocumentStore } from '../DocumentStore';
import { outcome, type StoreImplementation, steppingClock, storeImplementations } from './storeFixtures';

/** The audit log contract (persistence/SPEC.md [L33]–[L36]), run against every store implementation. */
describe.each(storeImplementations())('$name', (implementation: StoreImplementation) => {
  let store: DocumentStore & AuditStore;

  beforeEach(async () => {
    store = (await implementation.make(steppingClock())) as DocumentStore & AuditStore;
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    await implementation.cleanup();
  });

  const entry = (index: number, action = 'opened'): AuditEntry => ({
    at: 1_700_000_000_000 + index,
    action,
    actor: { id: `user-${index}`, name: `Person ${index}`, via: 'edit' },
    detail: { index, note: null },
  });
  const indexes = (entries: { detail: AuditEntry['detail'] }[]) => entries.map((stored) => stored.detail.index);

  it('[L33] entries are read back whole, newest first, in pages that follow each other to the end', async () => {
    for (let index = 0; index < 7; index++) await store.appendAudit('doc', entry(index), 100);
    const first = await store.readAudit('doc', { before: null, limit: 3 });
    expect(first.entries[0]).toMatchObject(entry(6));
    expect(indexes(first.entries)).toEqual([6, 5, 4]);
    const second = await store.readAudit('doc', { before: first.next, limit: 3 });
    expect(indexes(second.entries)).toEqual([3, 2, 1]);
    const last = await store.readAudit('doc', { before: second.next, limit: 3 });
    expect(indexes(last.entries)).toEqual([0]);
    expect(last.next).toBeNull();
    // Entry numbers only grow.
    const seqs = [...first.entries, ...second.entries, ...last.entries].map((stored) => stored.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(7);
    expect(await store.readAudit('other', { before: null, limit: 10 })).toEqual({ entries: [], next: null });
  });

  it('[L33] appends made at once to one document are all kept, each with its own number', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.appendAudit('doc', entry(index), 100)));
    const { entries } = await store.readAudit('doc', { before: null, limit: 50 });
    expect(entries).toHaveLength(20);
    expect(new Set(entries.map((stored) => stored.seq)).size).toBe(20);
    expect(new Set(indexes(entries)).size).toBe(20);
  });

  it('[L34] a log keeps only its newest `keep` entries; another document keeps its own', async () => {
    for (let index = 0; index < 12; index++) await store.appendAudit('doc', entry(index), 5);
    await store.appendAudit('neighbour', entry(100), 5);
    const { entries, next } = await store.readAudit('doc', { before: null, limit: 50 });
    expect(indexes(entries)).toEqual([11, 10, 9, 8, 7]);
    expect(next).toBeNull();
    expect(indexes((await store.readAudit('neighbour', { before: null, limit: 50 })).entries)).toEqual([100]);
  });

  it('[L35] bad arguments fail with INVALID_ARGUMENT or INVALID_NAME; a closed store with NOT_OPEN', async () => {
    expect(await outcome(() => store.appendAudit('doc', entry(0), 0))).toEqual({ error: 'INVALID_ARGUMENT' });
    expect(await outcome(() => store.readAudit('doc', { before: null, limit: 0 }))).toEqual({ error: 'INVALID_ARGUMENT' });
    expect(await outcome(() => store.readAudit('doc', { before: -1, limit: 5 }))).toEqual({ error: 'INVALID_ARGUMENT' });
    expect(await outcome(() => store.appendAudit('a\u0000b', entry(0), 5))).toEqual({ error: 'INVALID_NAME' });
    await store.close();
    expect(await outcome(() => store.appendAudit('doc', entry(0), 5))).toEqual({ error: 'NOT_OPEN' });
    expect(await outcome(() => store.readAudit('doc', { before: null, limit: 5 }))).toEqual({ error: 'NOT_OPEN' });
    await store.open();
  });

  it('[L36] a log outlives its document: deleting it (and creating the name again) keeps every entry, also across a reopen', async () => {
    await store.create('doc');
    await store.appendAudit('doc', entry(0), 10);
    await store.delete('doc');
    await store.appendAudit('doc', entry(1, 'deleted'), 10);
    await store.create('doc');
    await store.close();
    await store.open();
    const { entries } = await store.readAudit('doc', { before: null, limit: 10 });
    expect(entries.map((stored) => stored.action)).toEqual(['deleted', 'opened']);
  });
});

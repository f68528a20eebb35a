import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RECENT, type WorkspaceStore, WorkspaceStoreError } from '../WorkspaceStore';
import { levelWorkspaceStore, memoryWorkspaceStore, postgresWorkspaceStore } from '../workspace/KeyValueWorkspaceStore';
import { postgresSchemas } from './storeFixtures';

/** The workspace store contract (persistence/SPEC.md [W1]–[W9]) against every implementation. */
const postgres = postgresSchemas();
const implementations = [
  { name: 'LevelDB', make: async (folder: string) => levelWorkspaceStore(folder) },
  { name: 'memory', make: async () => memoryWorkspaceStore() },
  { name: 'PostgreSQL', make: async () => postgresWorkspaceStore(await postgres.create()) },
];

describe.each(implementations)('workspace store ($name)', ({ make }) => {
  let folder: string;
  let store: WorkspaceStore;
  const alice = { id: 'oidc:alice', name: 'Alice Martin', email: 'alice@example.test', avatarUrl: null };
  const bob = { id: 'oidc:bob', name: 'Bob Stone', email: 'Bob@Example.test', avatarUrl: 'https://example.test/bob.png' };

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'workspace-store-'));
    store = await make(folder);
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('[W1] saving a person again updates them and keeps when they first signed in', async () => {
    await store.saveUser(alice, 1000);
    const again = await store.saveUser({ ...alice, name: 'Alice M.', email: 'alice@new.test' }, 2000);
    expect(again).toMatchObject({ name: 'Alice M.', createdAt: 1000, lastSignInAt: 2000 });
    expect(await store.getUser(alice.id)).toEqual(again);
    expect(await store.userByEmail('ALICE@new.test')).toEqual(again);
    expect(await store.userByEmail('alice@example.test')).toBeNull();
  });

  it('[W2] people are found by part of their name or e-mail, case-insensitively, by name, up to the limit', async () => {
    await store.saveUser(bob, 1);
    await store.saveUser(alice, 1);
    expect((await store.findUsers('EXAMPLE', 10)).map((user) => user.id)).toEqual([alice.id, bob.id]);
    expect((await store.findUsers('stone', 10)).map((user) => user.id)).toEqual([bob.id]);
    expect(await store.findUsers('example', 1)).toHaveLength(1);
    expect(await store.findUsers('nobody', 10)).toEqual([]);
  });

  it('[W3] removing a person removes their sessions, access and recent documents', async () => {
    await store.saveUser(alice, 1);
    await store.saveUser(bob, 1);
    await store.saveSession({ hash: 'h1', userId: alice.id, createdAt: 1, expiresAt: 10_000 });
    await store.setAccess('doc', bob.id, 'owner', 1);
    await store.setAccess('doc', alice.id, 'editor', 2);
    await store.recordOpen(alice.id, 'doc', 3);
    expect(await store.removeUser(alice.id)).toBe(true);
    expect(await store.getUser(alice.id)).toBeNull();
    expect(await store.userByEmail(alice.email)).toBeNull();
    expect(await store.getSession('h1', 5)).toBeNull();
    expect((await store.membersOf('doc')).map((access) => access.userId)).toEqual([bob.id]);
    expect(await store.documentsOf(alice.id)).toEqual([]);
    expect(await store.recentOf(alice.id)).toEqual([]);
    expect(await store.removeUser(alice.id)).toBe(false);
  });

  it('[W4] a session is found by its hash until it expires, then it is gone', async () => {
    await store.saveSession({ hash: 'abc', userId: alice.id, createdAt: 1, expiresAt: 100 });
    expect(await store.getSession('abc', 99)).toMatchObject({ userId: alice.id });
    expect(await store.getSession('abc', 100)).toBeNull();
    expect(await store.getSession('abc', 1)).toBeNull();
    await store.saveSession({ hash: 'def', userId: alice.id, createdAt: 1, expiresAt: 100 });
    await store.deleteSession('def');
    expect(await store.getSession('def', 2)).toBeNull();
  });

  it('[W5] a document has at most one owner; roles change in place and access can be removed', async () => {
    await store.setAccess('doc', alice.id, 'owner', 1);
    await expect(store.setAccess('doc', bob.id, 'owner', 2)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await store.setAccess('doc', bob.id, 'viewer', 2);
    await store.setAccess('doc', bob.id, 'editor', 3);
    expect(await store.membersOf('doc')).toEqual([
      { document: 'doc', userId: alice.id, role: 'owner', since: 1 },
      { document: 'doc', userId: bob.id, role: 'editor', since: 3 },
    ]);
    expect(await store.removeAccess('doc', bob.id)).toBe(true);
    expect(await store.removeAccess('doc', bob.id)).toBe(false);
    expect(await store.accessOf('doc', bob.id)).toBeNull();
  });

  it('[W6] the documents of a person are found from the person', async () => {
    await store.setAccess('one', alice.id, 'owner', 1);
    await store.setAccess('two', alice.id, 'viewer', 2);
    await store.setAccess('two', bob.id, 'owner', 2);
    expect((await store.documentsOf(alice.id)).map(({ document, role }) => [document, role])).toEqual([
      ['one', 'owner'],
      ['two', 'viewer'],
    ]);
    await store.forgetDocument('two');
    expect((await store.documentsOf(alice.id)).map(({ document }) => document)).toEqual(['one']);
    expect(await store.documentsOf(bob.id)).toEqual([]);
  });

  it('[W7] transferring ownership makes the previous owner an editor', async () => {
    await store.saveUser(bob, 1);
    await store.setAccess('doc', alice.id, 'owner', 1);
    await store.transferOwnership('doc', bob.id, 5);
    expect((await store.membersOf('doc')).map(({ userId, role }) => [userId, role])).toEqual([
      [bob.id, 'owner'],
      [alice.id, 'editor'],
    ]);
    await expect(store.transferOwnership('doc', 'oidc:nobody', 6)).rejects.toBeInstanceOf(WorkspaceStoreError);
    await expect(store.transferOwnership('other', bob.id, 6)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('[W8] recent documents are latest first, each once, at most MAX_RECENT', async () => {
    for (let i = 0; i < MAX_RECENT + 5; i++) await store.recordOpen(alice.id, `doc-${i}`, 100 + i);
    await store.recordOpen(alice.id, 'doc-10', 1000);
    const recent = await store.recentOf(alice.id);
    expect(recent).toHaveLength(MAX_RECENT);
    expect(recent[0]).toEqual({ document: 'doc-10', openedAt: 1000 });
    expect(recent[1].document).toBe(`doc-${MAX_RECENT + 4}`);
    expect(recent.some((open) => open.document === 'doc-4' || open.document === 'doc-0')).toBe(false);
  });

  it('[W9] every operation on a closed store fails with NOT_OPEN, and ids holding U+0000 are refused', async () => {
    await expect(store.setAccess('a\u0000b', alice.id, 'viewer', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await store.close();
    await expect(store.getUser(alice.id)).rejects.toMatchObject({ code: 'NOT_OPEN' });
    await expect(store.saveUser(alice, 1)).rejects.toMatchObject({ code: 'NOT_OPEN' });
    await expect(store.setAccess('doc', alice.id, 'viewer', 1)).rejects.toMatchObject({ code: 'NOT_OPEN' });
  });
});

it('[W1] a LevelDB workspace store keeps people and access across reopening', async () => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'workspace-store-'));
  try {
    const first = levelWorkspaceStore(folder);
    await first.open();
    await first.saveUser({ id: 'oidc:a', name: 'A', email: null, avatarUrl: null }, 1);
    await first.setAccess('doc', 'oidc:a', 'owner', 1);
    await first.close();
    const second = levelWorkspaceStore(folder);
    await second.open();
    expect(await second.getUser('oidc:a')).toMatchObject({ name: 'A' });
    expect(await second.accessOf('doc', 'oidc:a')).toMatchObject({ role: 'owner' });
    await second.close();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

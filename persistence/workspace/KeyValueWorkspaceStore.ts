import {
  type Access,
  type AccessRole,
  MAX_RECENT,
  type RecentOpen,
  type SessionRecord,
  type WorkspaceStore,
  WorkspaceStoreError,
  type WorkspaceUser,
} from '../WorkspaceStore';
import { type KvWrite, LevelKv, MemoryKv, type OrderedKv } from './OrderedKv';
import { PostgresKv } from './PostgresKv';

// Key layout (version 1). Parts are joined with U+0000, which no id or document name may hold.
//   u␀<user id>                 → WorkspaceUser
//   e␀<lower-case e-mail>       → user id
//   s␀<session hash>            → SessionRecord
//   S␀<user id>␀<session hash>  → '' (a person's sessions, to end them all)
//   a␀<document>␀<user id>      → { role, since }
//   m␀<user id>␀<document>      → { role, since } (the same access, found from the person)
//   r␀<user id>␀<document>      → opened at (ms)
const SEP = '\u0000';
const key = (...parts: string[]) => parts.join(SEP);
const prefix = (...parts: string[]) => parts.join(SEP) + SEP;

const ROLE_ORDER: Record<AccessRole, number> = { owner: 0, editor: 1, commenter: 2, viewer: 3 };

/**
 * Every rule of `WorkspaceStore`, over any `OrderedKv`. Changes run one at a time (a queue), so
 * each read-then-write (one owner per document, the recent list's cap) sees the previous one's result.
 */
export class KeyValueWorkspaceStore implements WorkspaceStore {
  private isOpen = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly kv: OrderedKv) {}

  async open(): Promise<void> {
    await this.kv.open();
    this.isOpen = true;
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    await this.queue.catch(() => {});
    await this.kv.close();
  }

  async saveUser(user: Omit<WorkspaceUser, 'createdAt' | 'lastSignInAt'>, at: number): Promise<WorkspaceUser> {
    checkPart('user id', user.id);
    return this.serial(async () => {
      const existing = await this.readJson<WorkspaceUser>(key('u', user.id));
      const saved: WorkspaceUser = { ...user, createdAt: existing?.createdAt ?? at, lastSignInAt: at };
      const writes: KvWrite[] = [{ key: key('u', user.id), value: JSON.stringify(saved) }];
      if (existing?.email && existing.email.toLowerCase() !== user.email?.toLowerCase())
        writes.push({ key: key('e', existing.email.toLowerCase()), value: null });
      if (user.email) writes.push({ key: key('e', user.email.toLowerCase()), value: user.id });
      await this.kv.write(writes);
      return saved;
    });
  }

  async getUser(id: string): Promise<WorkspaceUser | null> {
    this.assertOpen();
    return (await this.readJson<WorkspaceUser>(key('u', id))) ?? null;
  }

  async findUsers(query: string, limit: number): Promise<WorkspaceUser[]> {
    this.assertOpen();
    const wanted = query.trim().toLowerCase();
    const users = (await this.kv.scan(prefix('u'))).map(([, value]) => JSON.parse(value) as WorkspaceUser);
    return users
      .filter((user) => user.name.toLowerCase().includes(wanted) || (user.email ?? '').toLowerCase().includes(wanted))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  async userByEmail(email: string): Promise<WorkspaceUser | null> {
    this.assertOpen();
    const id = await this.kv.get(key('e', email.trim().toLowerCase()));
    return id === undefined ? null : this.getUser(id);
  }

  async removeUser(id: string): Promise<boolean> {
    return this.serial(async () => {
      const user = await this.readJson<WorkspaceUser>(key('u', id));
      if (!user) return false;
      const writes: KvWrite[] = [{ key: key('u', id), value: null }];
      if (user.email) writes.push({ key: key('e', user.email.toLowerCase()), value: null });
      for (const [indexKey] of await this.kv.scan(prefix('S', id))) {
        writes.push({ key: indexKey, value: null }, { key: key('s', lastPart(indexKey)), value: null });
      }
      for (const [memberKey] of await this.kv.scan(prefix('m', id))) {
        writes.push({ key: memberKey, value: null }, { key: key('a', lastPart(memberKey), id), value: null });
      }
      for (const [recentKey] of await this.kv.scan(prefix('r', id))) writes.push({ key: recentKey, value: null });
      await this.kv.write(writes);
      return true;
    });
  }

  async saveSession(session: SessionRecord): Promise<void> {
    checkPart('session hash', session.hash);
    await this.serial(() =>
      this.kv.write([
        { key: key('s', session.hash), value: JSON.stringify(session) },
        { key: key('S', session.userId, session.hash), value: '' },
      ]),
    );
  }

  async getSession(hash: string, now: number): Promise<SessionRecord | null> {
    this.assertOpen();
    const session = await this.readJson<SessionRecord>(key('s', hash));
    if (!session) return null;
    if (session.expiresAt <= now) {
      await this.deleteSession(hash);
      return null;
    }
    return session;
  }

  async deleteSession(hash: string): Promise<void> {
    await this.serial(async () => {
      const session = await this.readJson<SessionRecord>(key('s', hash));
      if (!session) return;
      await this.kv.write([
        { key: key('s', hash), value: null },
        { key: key('S', session.userId, hash), value: null },
      ]);
    });
  }

  async setAccess(document: string, userId: string, role: AccessRole, at: number): Promise<void> {
    checkPart('document name', document);
    checkPart('user id', userId);
    await this.serial(async () => {
      const writes: KvWrite[] = [];
      if (role === 'owner') {
        const owner = (await this.members(document)).find((access) => access.role === 'owner');
        if (owner && owner.userId !== userId) {
          throw new WorkspaceStoreError('INVALID_ARGUMENT', `document "${document}" already has an owner; use transferOwnership to change it`);
        }
      }
      writes.push(...accessWrites(document, userId, { role, since: at }));
      await this.kv.write(writes);
    });
  }

  async removeAccess(document: string, userId: string): Promise<boolean> {
    return this.serial(async () => {
      if ((await this.kv.get(key('a', document, userId))) === undefined) return false;
      await this.kv.write(accessWrites(document, userId, null));
      return true;
    });
  }

  async accessOf(document: string, userId: string): Promise<Access | null> {
    this.assertOpen();
    const stored = await this.readJson<{ role: AccessRole; since: number }>(key('a', document, userId));
    return stored ? { document, userId, ...stored } : null;
  }

  async membersOf(document: string): Promise<Access[]> {
    this.assertOpen();
    return this.members(document);
  }

  async documentsOf(userId: string): Promise<Access[]> {
    this.assertOpen();
    return (await this.kv.scan(prefix('m', userId))).map(([entryKey, value]) => ({ document: lastPart(entryKey), userId, ...JSON.parse(value) }));
  }

  async transferOwnership(document: string, to: string, at: number): Promise<void> {
    await this.serial(async () => {
      const members = await this.members(document);
      const owner = members.find((access) => access.role === 'owner');
      if (!owner) throw new WorkspaceStoreError('NOT_FOUND', `document "${document}" has no owner to transfer from`);
      if (owner.userId === to) return;
      if (!(await this.kv.get(key('u', to)))) throw new WorkspaceStoreError('NOT_FOUND', `there is no person with id "${to}"`);
      await this.kv.write([
        ...accessWrites(document, owner.userId, { role: 'editor', since: at }),
        ...accessWrites(document, to, { role: 'owner', since: at }),
      ]);
    });
  }

  async forgetDocument(document: string): Promise<void> {
    await this.serial(async () => {
      const writes: KvWrite[] = [];
      for (const access of await this.members(document)) writes.push(...accessWrites(document, access.userId, null));
      await this.kv.write(writes);
    });
  }

  async recordOpen(userId: string, document: string, at: number): Promise<void> {
    checkPart('document name', document);
    await this.serial(async () => {
      const writes: KvWrite[] = [{ key: key('r', userId, document), value: String(at) }];
      const others = (await this.recent(userId)).filter((open) => open.document !== document);
      for (const dropped of others.slice(MAX_RECENT - 1)) writes.push({ key: key('r', userId, dropped.document), value: null });
      await this.kv.write(writes);
    });
  }

  async recentOf(userId: string): Promise<RecentOpen[]> {
    this.assertOpen();
    return this.recent(userId);
  }

  private async recent(userId: string): Promise<RecentOpen[]> {
    const opens = (await this.kv.scan(prefix('r', userId))).map(([entryKey, value]) => ({ document: lastPart(entryKey), openedAt: Number(value) }));
    return opens.sort((a, b) => b.openedAt - a.openedAt);
  }

  private async members(document: string): Promise<Access[]> {
    const found = (await this.kv.scan(prefix('a', document))).map(
      ([entryKey, value]) => ({ document, userId: lastPart(entryKey), ...JSON.parse(value) }) as Access,
    );
    return found.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.since - b.since);
  }

  private async readJson<T>(entryKey: string): Promise<T | undefined> {
    const value = await this.kv.get(entryKey);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  /** Runs `change` after every change before it, on an open store. */
  private serial<T>(change: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const run = this.queue.then(change, change);
    this.queue = run.catch(() => {});
    return run;
  }

  private assertOpen(): void {
    if (!this.isOpen) throw new WorkspaceStoreError('NOT_OPEN', 'the workspace store is not open');
  }
}

function accessWrites(document: string, userId: string, access: { role: AccessRole; since: number } | null): KvWrite[] {
  const value = access === null ? null : JSON.stringify(access);
  return [
    { key: key('a', document, userId), value },
    { key: key('m', userId, document), value },
  ];
}

function lastPart(entryKey: string): string {
  return entryKey.slice(entryKey.lastIndexOf(SEP) + 1);
}

function checkPart(what: string, value: string): void {
  if (value.length === 0 || value.includes(SEP)) throw new WorkspaceStoreError('INVALID_ARGUMENT', `a ${what} must be non-empty and hold no U+0000`);
}

/** The workspace store in a LevelDB folder of its own. */
export function levelWorkspaceStore(location: string): WorkspaceStore {
  return new KeyValueWorkspaceStore(new LevelKv(location));
}

/** The workspace store in memory. */
export function memoryWorkspaceStore(): WorkspaceStore {
  return new KeyValueWorkspaceStore(new MemoryKv());
}

/** The workspace store in PostgreSQL (`url`: DATABASE_URL), shared by every node of a cluster. */
export function postgresWorkspaceStore(url: string): WorkspaceStore {
  return new KeyValueWorkspaceStore(new PostgresKv(url));
}

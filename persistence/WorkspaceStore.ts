/**
 * The workspace store: who has signed in (through the organisation's OpenID provider), their
 * server-side sessions, and who may open which document. Documents themselves stay in the
 * `DocumentStore`; this store holds only people and access. Rules are in `persistence/SPEC.md`
 * ([W1]–[W9]); `persistence/test/workspaceContract.test.ts` runs them against every implementation.
 */

/** A person who signed in: what the identity provider said about them, nothing more (no password). */
export interface WorkspaceUser {
  /** Stable id: the issuer's `sub`, prefixed so it never collides with ids of other origins. */
  id: string;
  name: string;
  email: string | null;
  avatarUrl: string | null;
  /** Ms since the epoch of the first and of the latest sign-in. */
  createdAt: number;
  lastSignInAt: number;
}

import type { AccessRole } from '../shared/workspaceTypes';

export type { AccessRole };

/** The roles an owner or editor may give; ownership moves only by `transferOwnership`. */
export const MEMBER_ROLES = ['viewer', 'commenter', 'editor'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** One person's access to one document. */
export interface Access {
  document: string;
  userId: string;
  role: AccessRole;
  /** Ms since the epoch when this access was given (or last changed). */
  since: number;
}

/** A signed-in session, keyed by the SHA-256 of its cookie value (the value itself is never stored). */
export interface SessionRecord {
  /** Hex SHA-256 of the session cookie's value. */
  hash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/** A document a person opened, and when. */
export interface RecentOpen {
  document: string;
  openedAt: number;
}

/** The most recent opens kept per person ([W8]). */
export const MAX_RECENT = 50;

/** Why a workspace store operation failed. */
export class WorkspaceStoreError extends Error {
  constructor(
    readonly code: 'NOT_OPEN' | 'NOT_FOUND' | 'INVALID_ARGUMENT' | 'WRITE_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'WorkspaceStoreError';
  }
}

/** People, sessions and access, behind one small interface (LevelDB and memory implement it). */
export interface WorkspaceStore {
  open(): Promise<void>;
  close(): Promise<void>;

  /** Creates or updates a person from a sign-in; keeps `createdAt` of an existing one ([W1]). */
  saveUser(user: Omit<WorkspaceUser, 'createdAt' | 'lastSignInAt'>, at: number): Promise<WorkspaceUser>;
  getUser(id: string): Promise<WorkspaceUser | null>;
  /** People whose name or e-mail contains `query` (case-insensitive), at most `limit`, by name ([W2]). */
  findUsers(query: string, limit: number): Promise<WorkspaceUser[]>;
  /** The person with e-mail `email` (case-insensitive), or null. */
  userByEmail(email: string): Promise<WorkspaceUser | null>;
  /** Removes a person, their sessions, access and recent list; false when there was no such person ([W3]). */
  removeUser(id: string): Promise<boolean>;

  saveSession(session: SessionRecord): Promise<void>;
  /** The session with `hash`, or null (also when it has expired by `now`: it is removed then, [W4]). */
  getSession(hash: string, now: number): Promise<SessionRecord | null>;
  deleteSession(hash: string): Promise<void>;

  /** Gives `userId` `role` on `document`; a document has at most one owner ([W5]). */
  setAccess(document: string, userId: string, role: AccessRole, at: number): Promise<void>;
  /** Removes `userId`'s access to `document`; false when they had none. */
  removeAccess(document: string, userId: string): Promise<boolean>;
  accessOf(document: string, userId: string): Promise<Access | null>;
  /** Everyone with access to `document`, the owner first, then by `since`. */
  membersOf(document: string): Promise<Access[]>;
  /** Every document `userId` has access to ([W6]). */
  documentsOf(userId: string): Promise<Access[]>;
  /** Makes `to` the owner of `document`; the previous owner becomes an editor ([W7]). */
  transferOwnership(document: string, to: string, at: number): Promise<void>;
  /** Forgets every access to `document` (it was deleted). */
  forgetDocument(document: string): Promise<void>;

  /** Records that `userId` opened `document`; keeps the latest `MAX_RECENT` ([W8]). */
  recordOpen(userId: string, document: string, at: number): Promise<void>;
  /** What `userId` opened, latest first. */
  recentOf(userId: string): Promise<RecentOpen[]>;
}

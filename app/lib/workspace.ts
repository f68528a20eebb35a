import type { Role } from '../../shared/token';
import { request, type ServerIdentity } from './api';

/** A signed-in person, as the server knows them from the identity provider. */
export interface WorkspacePerson {
  id: string;
  name: string;
  email: string | null;
  avatarUrl: string | null;
}

/** Link mode (no sign-in), or workspace mode with the signed-in person (null when signed out). */
export type AuthState = { mode: 'link' } | { mode: 'workspace'; user: WorkspacePerson | null };

import type { AccessRole, ListedDocument } from '../../shared/workspaceTypes';

export type { AccessRole };
/** A document as the signed-in home page lists it. */
export type WorkspaceDocument = ListedDocument;

/** Someone with access to a document. */
export interface Member extends WorkspacePerson {
  role: AccessRole;
}

/** A collab token for a document this person has access to. */
export interface MemberSession {
  token: string;
  role: Role;
  access: AccessRole;
  expiresIn: number;
  title: string;
  user: ServerIdentity & { name: string };
}

const call = <T>(method: string, path: string, body?: unknown) => request<T>(method, path, body);

/** Which mode the server is in, and who is signed in. */
export function fetchAuth(): Promise<AuthState> {
  return call('GET', '/api/auth/me');
}

/** The address that starts signing in and comes back to `returnTo` (a path of this app). */
export function signInPath(returnTo: string): string {
  return `/api/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

/** Ends this browser's session on the server. */
export async function signOut(): Promise<void> {
  await call('POST', '/api/auth/logout');
}

/** My documents, Shared with me and Recent; with `query`, only those whose title or text contains it. */
export function fetchWorkspaceDocuments(query = ''): Promise<{ mine: WorkspaceDocument[]; shared: WorkspaceDocument[]; recent: WorkspaceDocument[] }> {
  return call('GET', `/api/workspace/documents${query ? `?q=${encodeURIComponent(query)}` : ''}`);
}

/** A collab token for `name`, with this person's role on it. */
export function openMemberSession(name: string): Promise<MemberSession> {
  return call('POST', `/api/workspace/documents/${encodeURIComponent(name)}/session`);
}

/** People who signed in whose name or e-mail contains `query`. */
export async function findPeople(query: string): Promise<WorkspacePerson[]> {
  return (await call<{ people: WorkspacePerson[] }>('GET', `/api/workspace/people?q=${encodeURIComponent(query)}`)).people;
}

const peoplePath = (name: string) => `/api/workspace/documents/${encodeURIComponent(name)}/people`;

/** Who has access to `name`, and this person's own access. */
export function fetchMembers(name: string): Promise<{ yourRole: AccessRole; people: Member[] }> {
  return call('GET', peoplePath(name));
}

/** Shares `name` with the person with e-mail `email`. */
export async function addMember(name: string, email: string, role: Exclude<AccessRole, 'owner'>): Promise<Member[]> {
  return (await call<{ people: Member[] }>('POST', peoplePath(name), { email, role })).people;
}

/** Changes someone's role on `name`. */
export async function changeMember(name: string, userId: string, role: Exclude<AccessRole, 'owner'>): Promise<Member[]> {
  return (await call<{ people: Member[] }>('PATCH', `${peoplePath(name)}/${encodeURIComponent(userId)}`, { role })).people;
}

/** Removes someone's access to `name`: their open editors close within seconds. */
export async function removeMember(name: string, userId: string): Promise<Member[]> {
  return (await call<{ people: Member[] }>('DELETE', `${peoplePath(name)}/${encodeURIComponent(userId)}`)).people;
}

/** Makes `userId` the owner of `name` (the owner only); the previous owner becomes an editor. */
export async function transferOwnership(name: string, userId: string): Promise<Member[]> {
  return (await call<{ people: Member[] }>('POST', `/api/workspace/documents/${encodeURIComponent(name)}/owner`, { userId })).people;
}

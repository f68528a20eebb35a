import type { Role } from '../../shared/token';

/** A document's capability links: the secrets that grant edit or view access. */
export interface DocumentLinks {
  edit?: string;
  view: string;
}

/** What opening a link gives: a short-lived collab token and the role it carries. */
export interface Session {
  token: string;
  role: Role;
  title: string;
  links: DocumentLinks;
}

/** A request the server refused; `status` 404 means the document or link does not exist. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, data.error ?? `request failed (${response.status})`);
  return data as T;
}

/** Creates a document; returns its name and both link secrets. */
export function createDocument(title = ''): Promise<{ name: string; editKey: string; viewKey: string }> {
  return post('/api/app/documents', { title });
}

/** Exchanges a link secret for a collab token. */
export function openSession(name: string, key: string, user: { id: string; name: string }): Promise<Session> {
  return post('/api/app/session', { name, key, userId: user.id, userName: user.name });
}

/** The address of a document's editor page for a link secret (the secret stays in the fragment). */
export function documentUrl(name: string, key: string): string {
  return `${window.location.origin}/d/${encodeURIComponent(name)}#${key}`;
}

/** The collab server's WebSocket endpoint on this origin. */
export function collabUrl(): string {
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/collab`;
}

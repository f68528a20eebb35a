import type { Role } from '../../shared/token';

/** A document's capability links: the secrets that grant edit or view access. */
export interface DocumentLinks {
  edit?: string;
  view: string;
}

/** What opening a link gives: a short-lived collab token and the role it carries. */
export interface Session {
  token: string;
  /** The token's lifetime in seconds, from when it was handed out. */
  expiresIn: number;
  role: Role;
  title: string;
  links: DocumentLinks;
}

/** A document the server knows, as the lookup reports it. */
export interface DocumentSummary {
  name: string;
  role: Role;
  title: string;
  createdAt: number;
  updatedAt: number;
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

/** The server could not be reached at all (offline, or the server is down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('the server could not be reached', { cause });
    this.name = 'NetworkError';
  }
}

async function request<T>(method: string, path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  const data = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, data.error ?? `request failed (${response.status})`);
  return data as T;
}

/** What creating a document returns: its name and both link secrets. */
export interface CreatedDocument {
  name: string;
  editKey: string;
  viewKey: string;
  title: string;
}

/** Creates an empty document. */
export function createDocument(title = ''): Promise<CreatedDocument> {
  return request('POST', '/api/app/documents', { title });
}

/** Creates a document from Markdown (the server converts it with the editor's schema). */
export function importMarkdown(content: string, title: string): Promise<CreatedDocument> {
  return request('POST', '/api/app/documents', { title, content, format: 'markdown' });
}

/** Exchanges a link secret for a collab token. */
export function openSession(name: string, key: string, user: { id: string; name: string }): Promise<Session> {
  return request('POST', '/api/app/session', { name, key, userId: user.id, userName: user.name });
}

/** Title, role and last change of each document whose secret is valid; others are left out. */
export async function lookupDocuments(documents: Array<{ name: string; key: string }>): Promise<DocumentSummary[]> {
  if (documents.length === 0) return [];
  const result = await request<{ documents: DocumentSummary[] }>('POST', '/api/app/documents/lookup', { documents });
  return result.documents;
}

/** Renames a document (a change to its live title, which history records as `user`'s); needs the edit secret. */
export function renameDocument(name: string, key: string, title: string, user: { id: string; name: string }): Promise<{ title: string }> {
  return request('PATCH', `/api/app/documents/${encodeURIComponent(name)}`, { key, title, userId: user.id, userName: user.name });
}

/** Deletes a document on the server; open editors are closed. Needs the edit secret. */
export async function deleteDocument(name: string, key: string): Promise<void> {
  await request('DELETE', `/api/app/documents/${encodeURIComponent(name)}`, { key });
}

/** The address of a document's editor page for a link secret (the secret stays in the fragment). */
export function documentUrl(name: string, key: string): string {
  return `${window.location.origin}${documentPath(name, key)}`;
}

/** The same address without the origin, for in-app navigation. */
export function documentPath(name: string, key: string): string {
  return `/d/${encodeURIComponent(name)}#${key}`;
}

/** The collab server's WebSocket endpoint on this origin. */
export function collabUrl(): string {
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/collab`;
}

/** A message for any error, fit to show a person. */
export function errorMessage(error: unknown): string {
  if (error instanceof NetworkError) return 'The server could not be reached. Check your connection and try again.';
  if (error instanceof Error) return error.message.charAt(0).toUpperCase() + error.message.slice(1);
  return String(error);
}

import type { LinkKind } from '../../shared/linkKinds';
import type { Role } from '../../shared/token';

/** One of a document's share links, as the server shows it to someone holding a link of the document. */
export interface AppLink {
  kind: LinkKind;
  /** The secret; null when it cannot be shown here (the link was reset from outside the app since it was sealed for this one). */
  secret: string | null;
  /** Ms since the epoch, or null. */
  expiresAt: number | null;
  expired: boolean;
}

/** Who this browser is to the server: the id it issued (in a signed cookie), and the color derived from it. */
export interface ServerIdentity {
  id: string;
  color: string;
}

/** What opening a link gives: a short-lived collab token and the role it carries. */
export interface Session {
  token: string;
  /** The token's lifetime in seconds, from when it was handed out. */
  expiresIn: number;
  role: Role;
  title: string;
  /** The identity the token carries. */
  user: ServerIdentity & { name: string };
  /** The kind of link that was opened. */
  link: LinkKind;
  /** The kinds of link this one may create and reset. */
  manages: LinkKind[];
}

/** What the server said about a page's link when it opened it: which link, and which kinds it may create and reset. */
export interface OpenedLink {
  link: LinkKind;
  manages: LinkKind[];
}

/** A document the server knows, as the lookup reports it. */
export interface DocumentSummary {
  name: string;
  role: Role;
  title: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * A request the server refused; `status` 404 means the document or link does not exist, 410 that
 * the link was reset (`reason` `link-reset`), turned off (`link-off`) or has expired (`link-expired`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The message for a link the server no longer accepts (410: reset, turned off or expired), or null for any other error. */
export function linkEndedMessage(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.status !== 410) return null;
  if (error.reason === 'link-expired') return 'This link has expired.';
  if (error.reason === 'link-off') return 'This link was turned off, so it no longer opens the document.';
  return 'This link was reset, so it no longer opens the document.';
}

/** The server could not be reached at all (offline, or the server is down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('the server could not be reached', { cause });
    this.name = 'NetworkError';
  }
}

/** A JSON call to the app's server; throws `ApiError` for a refusal and `NetworkError` when it cannot be reached. */
export async function request<T>(method: string, path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (error) {
    throw new NetworkError(error);
  }
  const data = (await response.json().catch(() => ({}))) as { error?: string; reason?: string };
  if (!response.ok) throw new ApiError(response.status, data.error ?? `request failed (${response.status})`, data.reason);
  return data as T;
}

/** What creating a document returns: its name and its links, with their secrets. */
export interface CreatedDocument {
  name: string;
  title: string;
  links: AppLink[];
}

/** The secret of the most powerful link of a new document (the one its creator opens it with). */
export function creatorKey(created: CreatedDocument): string {
  return created.links[0].secret as string;
}

/** This browser's identity, issued by the server on its first call. */
export function fetchIdentity(): Promise<ServerIdentity> {
  return request('GET', '/api/app/identity', undefined);
}

/** Creates an empty document. */
export function createDocument(title = ''): Promise<CreatedDocument> {
  return request('POST', '/api/app/documents', { title });
}

/**
 * Creates a document from a Markdown or HTML file (the server converts it with the editor's
 * schema); a leading heading becomes the title, else `title`.
 */
export function importFile(content: string, format: 'markdown' | 'html', title: string): Promise<CreatedDocument> {
  return request('POST', '/api/app/documents', { title, content, format });
}

/** Creates a document from a Word file (.docx): the server converts it, storing its pictures as the document's images; what it left out is said in `notes`. */
export async function importDocx(file: Blob, title: string): Promise<CreatedDocument & { notes: string[] }> {
  const dataUrl = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  return request('POST', '/api/app/documents', { title, content: dataUrl.slice(dataUrl.indexOf(',') + 1), format: 'docx' });
}

/**
 * The body field naming the link a request acts through: none for a signed-in member who opened
 * the document without a link (empty `key`), whom the server knows by their session instead.
 */
export function linkField(key: string): { key?: string } {
  return key ? { key } : {};
}

/** The document as saved on the server, as a Word (.docx) or PDF file made there. */
export async function exportFile(name: string, key: string, format: 'docx' | 'pdf'): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(`/api/app/documents/${encodeURIComponent(name)}/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...linkField(key), format }),
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!response.ok) {
    const data = (await response.json().catch(() => ({}))) as { error?: string; reason?: string };
    throw new ApiError(response.status, data.error ?? `request failed (${response.status})`, data.reason);
  }
  return response.blob();
}

/** Exchanges a link secret for a collab token, for this browser under the name it chose. */
export function openSession(name: string, key: string, userName: string): Promise<Session> {
  return request('POST', '/api/app/session', { name, key, userName });
}

/**
 * The document's links that `key` may see (itself and the lesser ones), with their secrets, and
 * the kinds it may manage: what the Share dialog shows. Without `key` (a signed-in member), the
 * links come without secrets.
 */
export function fetchLinks(name: string, key: string): Promise<{ links: AppLink[]; manages: LinkKind[] }> {
  return request('POST', `/api/app/documents/${encodeURIComponent(name)}/links`, linkField(key));
}

/** What creating or resetting a link returns. */
export interface LinkChange {
  kind: LinkKind;
  /** The new secret (shown this once). */
  secret: string;
  /** The secret this browser holds now: the new one when it reset its own link; null for a member, who holds none. */
  key: string | null;
  links: AppLink[];
}

/** A link change on a page opened with a link: the secret it holds afterwards. */
export type HeldLinkChange = LinkChange & { key: string };

/** Gives link `kind` a new secret; the old one stops working at once. Needs a link that may manage it. */
export function resetLink(name: string, key: string, kind: LinkKind, options: { expiresAt: number | null; userName: string }): Promise<LinkChange> {
  return request('POST', `/api/app/documents/${encodeURIComponent(name)}/links/${kind}/reset`, { ...linkField(key), ...options });
}

/** Creates link `kind` (turns it on), which the document does not have yet. */
export function createLink(name: string, key: string, kind: LinkKind, options: { expiresAt: number | null; userName?: string }): Promise<LinkChange> {
  return request('POST', `/api/app/documents/${encodeURIComponent(name)}/links/${kind}`, { ...linkField(key), ...options });
}

/** Turns link `kind` off: it stops opening the document at once, and the people on it lose access. */
export function turnOffLink(name: string, key: string, kind: LinkKind, userName: string): Promise<{ kind: LinkKind; links: AppLink[] }> {
  return request('DELETE', `/api/app/documents/${encodeURIComponent(name)}/links/${kind}`, { ...linkField(key), userName });
}

/** Gives link `kind` a new expiry (null: never); its address stays the same. */
export function setLinkExpiry(
  name: string,
  key: string,
  kind: LinkKind,
  options: { expiresAt: number | null; userName: string },
): Promise<{ kind: LinkKind; links: AppLink[] }> {
  return request('PATCH', `/api/app/documents/${encodeURIComponent(name)}/links/${kind}`, { ...linkField(key), ...options });
}

/** One entry of a document's activity (its audit log), as the server describes it. */
export interface ActivityEntry {
  seq: number;
  /** ISO 8601. */
  at: string;
  action: string;
  actor: { id: string; name: string; via: string };
  detail: Record<string, string | number | boolean | null>;
  /** What happened, in words ("reset the view link"). */
  description: string;
}

/** A page of the document's activity, newest first; `next` asks for the page after it. Needs a link that manages links. */
export function fetchActivity(name: string, key: string, before: number | null): Promise<{ entries: ActivityEntry[]; next: number | null }> {
  return request('POST', `/api/app/documents/${encodeURIComponent(name)}/audit`, { ...linkField(key), before });
}

/** Title, role and last change of each document whose secret is valid; others are left out. */
export async function lookupDocuments(documents: Array<{ name: string; key: string }>): Promise<DocumentSummary[]> {
  if (documents.length === 0) return [];
  const result = await request<{ documents: DocumentSummary[] }>('POST', '/api/app/documents/lookup', { documents });
  return result.documents;
}

/** Renames a document (a change to its live title, which history records as this browser's); needs the edit secret. */
export function renameDocument(name: string, key: string, title: string, userName: string): Promise<{ title: string }> {
  return request('PATCH', `/api/app/documents/${encodeURIComponent(name)}`, { ...linkField(key), title, userName });
}

/** Deletes a document on the server; open editors are closed. Needs the edit secret. */
export async function deleteDocument(name: string, key: string, userName?: string): Promise<void> {
  await request('DELETE', `/api/app/documents/${encodeURIComponent(name)}`, { ...linkField(key), userName });
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

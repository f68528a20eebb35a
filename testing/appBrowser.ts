import { IDENTITY_COOKIE } from '../collab-server/http/browserIdentity';

/** What an app endpoint answered. */
export interface AppAnswer {
  status: number;
  data: Record<string, unknown>;
  headers: Headers;
}

/**
 * One browser using the web app's endpoints (`/api/app/…`): JSON requests that carry the identity
 * cookie the server set on an earlier answer, as a browser does. `cookie` may be set by hand to
 * play a browser sending some other cookie.
 */
export class AppBrowser {
  /** The identity cookie's value, once the server set one. */
  cookie: string | null = null;

  constructor(private readonly baseUrl: string) {}

  /** Sends `body` as JSON (no body when undefined) and keeps any identity cookie the answer sets. */
  async call(method: string, path: string, body?: unknown): Promise<AppAnswer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie !== null) headers.cookie = `${IDENTITY_COOKIE}=${this.cookie}`;
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (pair.slice(0, eq) === IDENTITY_COOKIE) this.cookie = pair.slice(eq + 1);
    }
    const text = await response.text();
    return { status: response.status, data: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
  }

  /** Creates a document in the app; returns its name and the secret of each link. */
  async create(body: Record<string, unknown> = {}): Promise<{ name: string; secrets: Record<string, string> }> {
    const { status, data } = await this.call('POST', '/api/app/documents', body);
    if (status !== 201) throw new Error(`creating a document answered ${status}: ${JSON.stringify(data)}`);
    const links = data.links as Array<{ kind: string; secret: string }>;
    return { name: data.name as string, secrets: Object.fromEntries(links.map((link) => [link.kind, link.secret])) };
  }

  /** The links `key`'s holder may see, with their secrets, as the Share dialog asks for them. */
  async links(name: string, key: string): Promise<unknown> {
    const { status, data } = await this.call('POST', `/api/app/documents/${encodeURIComponent(name)}/links`, { key });
    if (status !== 200) throw new Error(`the links answered ${status}: ${JSON.stringify(data)}`);
    return data.links;
  }

  /** Opens a link as the app does: its secret exchanged for a session (a collab token). */
  session(name: string, key: string, userName = 'Ada'): Promise<AppAnswer> {
    return this.call('POST', '/api/app/session', { name, key, userName });
  }
}

import type { DocumentDescription, ExportFormat, ImportFormat } from './apiTypes';

/** Options of `QuireClient`. */
export interface QuireClientOptions {
  /** The Quire server's address, like `https://quire.example.com`. */
  url: string;
  /** A token for the API (see `mintToken`), or a function returning one; a function is called for every request, so short-lived tokens work. */
  token: string | (() => string | Promise<string>);
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** An answer of the content API that was not a success: `status` is the HTTP status, `message` the server's explanation. */
export class QuireApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'QuireApiError';
  }
}

/** One page of `GET /api/docs`; pass `next` as `after` for the following page (null on the last). */
export interface DocumentPage {
  documents: DocumentDescription[];
  next: string | null;
}

/** What `POST /api/docs` takes. */
export interface CreateDocument {
  name?: string;
  title?: string;
  /** Markdown, HTML or text as a string, a ProseMirror document as an object, or a `.docx` file in base64 (`format: 'docx'`). */
  content?: string | object;
  format?: ImportFormat;
}

/** A content read: the text (or bytes, for docx and pdf) and its version, to send back as `ifMatch`. */
export interface DocumentContent<Body> {
  content: Body;
  etag: string;
}

/** A content write: what to write, and optionally the `etag` of the read it was based on (otherwise 412). */
export interface ContentWrite {
  content: string | object;
  format?: ImportFormat;
  ifMatch?: string;
}

type Text = Exclude<ExportFormat, 'docx' | 'pdf'>;

/**
 * A typed client of Quire's content API (`/api/docs…`), for backends:
 *
 *   const quire = new QuireClient({ url: 'https://quire.example.com', token: () => mintToken(secret, admin) });
 *   await quire.appendContent('team-notes', { content: 'From the **backend**.' });
 *
 * Every method answers once the server has durably stored the change, and throws `QuireApiError`
 * for an answer that is not a success.
 */
export class QuireClient {
  readonly #url: string;
  readonly #token: QuireClientOptions['token'];
  readonly #fetch: typeof fetch;

  constructor(options: QuireClientOptions) {
    this.#url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** The documents, by name, a page at a time (admin token for `*`). */
  listDocuments(options: { limit?: number; after?: string } = {}): Promise<DocumentPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.after !== undefined) query.set('after', options.after);
    return this.#json('GET', `/api/docs${query.size > 0 ? `?${query}` : ''}`);
  }

  /** Creates a document (admin token); a name is generated when none is given. */
  createDocument(document: CreateDocument = {}): Promise<DocumentDescription & { notes?: string[] }> {
    return this.#json('POST', '/api/docs', document);
  }

  /** A document's description. */
  getDocument(name: string): Promise<DocumentDescription> {
    return this.#json('GET', docPath(name));
  }

  /** Changes a document's title; open editors see it at once. */
  renameDocument(name: string, title: string): Promise<DocumentDescription> {
    return this.#json('PATCH', docPath(name), { title });
  }

  /** Deletes a document (admin token); open editors are closed. */
  async deleteDocument(name: string): Promise<void> {
    await this.#request('DELETE', docPath(name));
  }

  /** The content as text in `format` (default `json`, a ProseMirror document as JSON text), with its version. */
  getContent(name: string, format?: Text): Promise<DocumentContent<string>>;
  /** The content as a Word or PDF file. */
  getContent(name: string, format: 'docx' | 'pdf'): Promise<DocumentContent<Uint8Array>>;
  async getContent(name: string, format: ExportFormat = 'json'): Promise<DocumentContent<string | Uint8Array>> {
    const response = await this.#request('GET', `${docPath(name)}/content?format=${format}`);
    const etag = response.headers.get('etag') ?? '';
    const content = format === 'docx' || format === 'pdf' ? new Uint8Array(await response.arrayBuffer()) : await response.text();
    return { content, etag };
  }

  /** Makes the content equal `write.content`, changing only the blocks that differ. */
  replaceContent(name: string, write: ContentWrite): Promise<DocumentDescription> {
    return this.#write('PUT', name, write);
  }

  /** Appends `write.content` after the content. */
  appendContent(name: string, write: ContentWrite): Promise<DocumentDescription> {
    return this.#write('POST', name, write);
  }

  #write(method: 'PUT' | 'POST', name: string, { ifMatch, ...body }: ContentWrite): Promise<DocumentDescription> {
    return this.#json(method, `${docPath(name)}/content`, body, ifMatch === undefined ? {} : { 'if-match': ifMatch });
  }

  async #json<T>(method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.#request(method, path, body, headers);
    return (await response.json()) as T;
  }

  async #request(method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<Response> {
    const token = typeof this.#token === 'function' ? await this.#token() : this.#token;
    const response = await this.#fetch(`${this.#url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new QuireApiError(response.status, await errorMessage(response, method, path));
    return response;
  }
}

function docPath(name: string): string {
  return `/api/docs/${encodeURIComponent(name)}`;
}

/** The server's `{"error": "…"}`, or the status when the answer is not that. */
async function errorMessage(response: Response, method: string, path: string): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    if (typeof error === 'string') return error;
  } catch {
    // Not the API's JSON error (a proxy's page, for example): say what was answered instead.
  }
  return `${method} ${path} answered ${response.status} ${response.statusText}`.trim();
}

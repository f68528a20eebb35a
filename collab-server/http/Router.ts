import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An HTTP error with its status; the message is sent to the client, so it must be safe to show.
 * `reason`, when given, is sent too: a short name a client can act on (`link-reset`, …).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
    /** Headers to send with the error (`Retry-After`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse, params: Record<string, string>, url: URL) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

/**
 * A small router: `add('GET', '/api/docs/:name', handler)`. `:param` matches one path segment
 * (URL-decoded). Unknown paths are not answered here, so the caller can pass them on (to Next.js
 * in `npm start`); a known path with the wrong method gets 405.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = path.replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** True when some route matches `path` (whatever the method). */
  handles(path: string): boolean {
    return this.routes.some((route) => route.pattern.test(path));
  }

  /** Answers the request if a route matches its path; false when none does. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const matching = this.routes.filter((route) => route.pattern.test(url.pathname));
    if (matching.length === 0) return false;
    const route = matching.find((candidate) => candidate.method === request.method || (request.method === 'HEAD' && candidate.method === 'GET'));
    try {
      if (!route) throw new HttpError(405, `${request.method} is not allowed on ${url.pathname}`);
      const match = route.pattern.exec(url.pathname) as RegExpExecArray;
      const params: Record<string, string> = {};
      for (const [index, key] of route.keys.entries()) {
        try {
          params[key] = decodeURIComponent(match[index + 1]);
        } catch {
          throw new HttpError(400, `the ${key} in the path is not valid URL encoding`);
        }
      }
      await route.handler(request, response, params, url);
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
      } else if (error instanceof HttpError) {
        sendJson(response, error.status, error.reason ? { error: error.message, reason: error.reason } : { error: error.message }, error.headers);
      } else {
        sendJson(response, 500, { error: 'internal server error' });
        throw error;
      }
    }
    return true;
  }
}

/** JSON text made elsewhere (by a conversion worker), which `sendJson` sends as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** Sends `body` as JSON with `status` (a JsonText is sent as it is). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body instanceof JsonText ? body.text : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(text);
}

/**
 * Reads a JSON request body of at most `limit` bytes; 415 when its Content-Type is not one of
 * `types`, 413 when larger, 400 when not JSON. Parsing costs the event loop: only for small bodies
 * (a few kilobytes of nested brackets parse in milliseconds, megabytes take seconds); large ones
 * go to a conversion worker as `readRawJson` reads them.
 */
export async function readJson(request: IncomingMessage, limit: number, types: readonly string[] = ['application/json']): Promise<unknown> {
  const body = await readRawJson(request, limit, types);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

/** Reads the bytes of a JSON request body of at most `limit` bytes, unparsed; 415 when its Content-Type is not one of `types`, 413 when larger. */
export async function readRawJson(request: IncomingMessage, limit: number, types: readonly string[] = ['application/json']): Promise<Buffer> {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  if (!types.includes(type)) throw new HttpError(415, `the request body must be JSON (Content-Type: ${types.join(' or ')})`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

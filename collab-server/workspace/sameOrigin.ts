import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/Router';

/**
 * Refuses (403) a state-changing request that a page of another site could have sent with the
 * person's session cookie (cross-site request forgery): browsers send `Origin` with every POST,
 * PATCH and DELETE, and it must be the app's own (`PUBLIC_URL`). A request without one is refused
 * too: only a browser the app's pages drive may change anything with a session cookie.
 */
export function requireSameOrigin(request: IncomingMessage, publicOrigin: string): void {
  const origin = request.headers.origin;
  if (origin !== publicOrigin) {
    throw new HttpError(
      403,
      `this request must come from the app's own pages (Origin ${publicOrigin}); it came from ${origin ?? 'no Origin at all'}`,
      'cross-origin',
    );
  }
}

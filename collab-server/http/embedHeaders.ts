import type { IncomingMessage, ServerResponse } from 'node:http';

/** The path prefix of the embed page (`/embed/<document>`), served by the web app. */
export const EMBED_PAGE_PREFIX = '/embed/';

/**
 * The `frame-ancestors` policy of the embed page: the app's own origin plus `origins` (from
 * EMBED_ORIGINS; `*` allows any). Every other page of the app may be framed only by the app.
 */
export function embedFrameAncestors(origins: readonly string[]): string {
  if (origins.includes('*')) return 'frame-ancestors *';
  return ["frame-ancestors 'self'", ...origins].join(' ');
}

/**
 * Sets the framing policy on requests for the embed page before the app renders it. It is set
 * here, at run time, because EMBED_ORIGINS is server configuration: the app's build cannot know it.
 */
export function setEmbedPageHeaders(request: IncomingMessage, response: ServerResponse, origins: readonly string[]): void {
  const path = (request.url ?? '/').split('?', 1)[0];
  if (!path.startsWith(EMBED_PAGE_PREFIX)) return;
  response.setHeader('content-security-policy', embedFrameAncestors(origins));
}

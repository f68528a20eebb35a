import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * The browser-facing security headers of every response the server sends, and the one place
 * their policies are written. Four kinds of response:
 *
 * - pages of the web app (and everything else Next.js serves: scripts, styles, files of `public/`,
 *   its 404 and error pages): a Content-Security-Policy whose scripts run only with a nonce made
 *   fresh for each request (Next.js reads it from the request's own CSP header and puts it on its
 *   scripts), framed only by the app itself, or for the embed page by EMBED_ORIGINS;
 * - answers of the collab server (`/api/…`, `/healthz`, `/metrics`, …): data, never a page, so a
 *   policy that allows nothing at all;
 * - refusals written straight onto a socket (a WebSocket upgrade that is not taken);
 * - the app's service worker script, which fetches from the app's origin and loads nothing else.
 */

/** Where browsers send reports of what a page's Content-Security-Policy blocked. */
export const CSP_REPORT_PATH = '/api/csp-reports';

/** The path prefix of the embed page (`/embed/<document>`), served by the web app. */
export const EMBED_PAGE_PREFIX = '/embed/';

/** Files other sites load from the app: `embed.js`, in a `<script>` on the host page. */
const CROSS_ORIGIN_FILES = new Set(['/embed.js']);

/**
 * The policy of every collab server answer: nothing in it may run, load, be framed or submit.
 * Content reads add `sandbox` (`CONTENT_POLICY`).
 */
export const API_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The policy of document content (JSON, HTML, Markdown, text) sent as data: shown alone it runs nothing. */
export const CONTENT_POLICY = `sandbox; ${API_POLICY}`;

/**
 * Browser features the app never uses, turned off for it and for anything it could be made to
 * load. The clipboard (copying share links) and full screen keep their defaults.
 */
export const PERMISSIONS_POLICY = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'encrypted-media',
  'gamepad',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'local-fonts',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

/** HSTS for responses sent over TLS: a year, this host only (subdomains are the operator's call). */
export const HSTS = 'max-age=31536000';

export interface PagePolicyOptions {
  /** The request's nonce: scripts and style elements carrying it may run. */
  nonce: string;
  /** Who may show the page in a frame besides the app: EMBED_ORIGINS for the embed page (`*` any), or nobody. */
  framedBy: readonly string[];
  /** Next.js development mode: React's refresh and debugging evaluate code. */
  dev?: boolean;
}

/**
 * The Content-Security-Policy of a page of the web app.
 *
 * - Scripts: only those carrying the nonce, and what they load (`'strict-dynamic'`: Next.js loads
 *   its chunks from its bootstrap script). No `'unsafe-inline'`, no `'unsafe-eval'` but in dev
 *   (`npm run dev`), which also allows inline style elements for Next.js' development overlay.
 * - Styles: style sheets of the app and `<style>` elements carrying the nonce (Tiptap adds one,
 *   with the nonce it finds on the page's scripts). Style *attributes* are allowed
 *   (`style-src-attr 'unsafe-inline'`): ProseMirror writes the document's own formatting as
 *   `style` attributes (text alignment, table column widths, caret colours). Chromium applies
 *   attributes set by script whatever the policy (`'none'` here reports nothing in the e2e
 *   flows), but the CSP specification subjects them to `style-src-attr`, and other browsers
 *   follow it. An attribute can neither run code, nor load anything `img-src` refuses, nor select
 *   other elements.
 * - Images: any http(s) address, as the editor lets people insert them by URL.
 * - Connections: `'self'`, which covers the app's own WebSocket endpoints (`ws:`/`wss:` on the
 *   same host and port: CSP level 3, checked in Chromium by the e2e suite).
 * - Workers: the app's own (the service worker that keeps the app shell for offline use).
 */
export function pagePolicy({ nonce, framedBy, dev = false }: PagePolicyOptions): string {
  const frameAncestors = framedBy.includes('*') ? '*' : ["'self'", ...framedBy].join(' ');
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // Next.js' development overlay adds <style> elements without the nonce (and a nonce would
    // make browsers ignore 'unsafe-inline').
    `style-src 'self' ${dev ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' http: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
    `report-uri ${CSP_REPORT_PATH}`,
  ].join('; ');
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The first value of a forwarding header (`X-Forwarded-Proto: https, http` names the nearest hop's first), trimmed. */
export function firstForwarded(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.split(',')[0].trim() || undefined;
}

/**
 * True when the client reached the server over HTTPS: TLS on this very socket, or a trusted proxy
 * (`viaTrustedProxy`, see TRUST_PROXY) that terminated TLS says so in `X-Forwarded-Proto`. From any
 * other peer that header proves nothing and is ignored. HSTS is sent only then.
 */
export function reachedOverHttps(request: IncomingMessage, viaTrustedProxy: boolean): boolean {
  if ((request.socket as TLSSocket).encrypted === true) return true;
  return viaTrustedProxy && firstForwarded(request.headers['x-forwarded-proto'])?.toLowerCase() === 'https';
}

/**
 * The headers every response carries, whatever its kind. HSTS only when the client reached the
 * server over HTTPS (`https`, from `reachedOverHttps`): a browser that got it over plain HTTP
 * would ignore it anyway, and one a client merely claims must not be echoed.
 */
function setCommonHeaders(response: ServerResponse, https: boolean): void {
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('referrer-policy', 'no-referrer');
  response.setHeader('cross-origin-opener-policy', 'same-origin');
  response.setHeader('permissions-policy', PERMISSIONS_POLICY);
  if (https) response.setHeader('strict-transport-security', HSTS);
}

/**
 * The policy of the app's service worker script (`/sw.js`): it loads no other script and fetches
 * only from the app's own origin, to keep the app shell.
 */
export const WORKER_POLICY = `default-src 'none'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; report-uri ${CSP_REPORT_PATH}`;

/** Sets the headers of the service worker script: its own policy, never framed, never read by other sites. `https`: see `reachedOverHttps`. */
export function setWorkerHeaders(response: ServerResponse, https: boolean): void {
  setCommonHeaders(response, https);
  response.setHeader('content-security-policy', WORKER_POLICY);
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('cross-origin-resource-policy', 'same-origin');
}

/** Sets the headers of a collab server answer (`/api/…`, `/healthz`, `/metrics`, its 404s). `https`: see `reachedOverHttps`. */
export function setApiHeaders(response: ServerResponse, https: boolean): void {
  setCommonHeaders(response, https);
  response.setHeader('content-security-policy', API_POLICY);
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('cross-origin-resource-policy', 'same-origin');
}

export interface PageHeaderOptions {
  /** EMBED_ORIGINS: the sites that may show the embed page in a frame (`*` any). */
  embedOrigins: readonly string[];
  /** The client reached the server over HTTPS (`reachedOverHttps`): HSTS is sent. */
  https: boolean;
  dev?: boolean;
}

/**
 * Sets the headers of a response Next.js is about to write, with a fresh nonce in its policy, and
 * hands that policy to Next.js in the request's own `content-security-policy` header, where it
 * reads the nonce for its scripts. Whatever the client sent in that header (or in the report-only
 * one, which Next.js also reads) is replaced first: only the server chooses the nonce.
 * Returns the nonce.
 */
export function setPageHeaders(request: IncomingMessage, response: ServerResponse, options: PageHeaderOptions): string {
  const path = (request.url ?? '/').split('?', 1)[0];
  const embed = path.startsWith(EMBED_PAGE_PREFIX);
  const nonce = newNonce();
  const policy = pagePolicy({ nonce, framedBy: embed ? options.embedOrigins : [], dev: options.dev });
  delete request.headers['content-security-policy-report-only'];
  request.headers['content-security-policy'] = policy;
  setCommonHeaders(response, options.https);
  response.setHeader('content-security-policy', policy);
  // Older browsers without frame-ancestors; the embed page's list of sites has no equivalent here.
  if (!embed) response.setHeader('x-frame-options', 'SAMEORIGIN');
  // The embed page is framed, and embed.js loaded, by other sites; everything else is the app's own.
  response.setHeader('cross-origin-resource-policy', embed || CROSS_ORIGIN_FILES.has(path) ? 'cross-origin' : 'same-origin');
  return nonce;
}

/**
 * A complete HTTP response to write straight onto a socket (a refused WebSocket upgrade), with the
 * headers of a collab server answer.
 */
export function rawRefusal(status: number, reason: string): string {
  const headers = [
    `HTTP/1.1 ${status} ${reason}`,
    'Connection: close',
    'Content-Length: 0',
    `Content-Security-Policy: ${API_POLICY}`,
    'X-Content-Type-Options: nosniff',
    'X-Frame-Options: DENY',
    'Referrer-Policy: no-referrer',
    'Cross-Origin-Resource-Policy: same-origin',
  ];
  return `${headers.join('\r\n')}\r\n\r\n`;
}

import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCertificate } from '../../testing/certificate';
import { TEST_SECRET } from '../../testing/testServer';
import { CollabServer, listen, portOf } from '../CollabServer';
import { parseConfig } from '../config';
import { AddressRateLimiter, CSP_REPORT_LIMITS, MAX_REPORT_BYTES } from '../http/cspReportRoute';
import { HSTS, setPageHeaders } from '../http/securityHeaders';
import { createLogger } from '../logger';

/**
 * [B6]–[B8]: the report endpoint browsers send CSP violations to (`POST /api/csp-reports`), on a
 * real server whose log is captured, and HSTS, which only a response that reached the client over
 * TLS carries (on the server's socket, or on a trusted proxy's).
 */

interface LogLine {
  event?: string;
  [field: string]: unknown;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const output: string[] = [];
const violations = (): LogLine[] => output.map((line) => JSON.parse(line) as LogLine).filter((line) => line.event === 'csp-violation');

/** A real collab server on port 0 whose log goes to `output`, believing the proxies in `trustProxy`. */
async function start(trustProxy: string[] = []): Promise<{ server: CollabServer; url: string }> {
  output.length = 0;
  const folder = await mkdtemp(path.join(os.tmpdir(), 'csp-reports-'));
  const config = parseConfig([], {}, { port: 0, host: '127.0.0.1', dataDir: folder, authSecret: TEST_SECRET, logLevel: 'info', trustProxy });
  const server = await CollabServer.create({ config, logger: createLogger('info', { write: (line: string) => void output.push(line) }) });
  const http = await listen(server, 0, '127.0.0.1');
  cleanups.push(async () => {
    http.closeAllConnections();
    http.close();
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });
  return { server, url: `http://127.0.0.1:${portOf(http)}` };
}

/** POSTs `body` to the report endpoint from `localAddress` (any of 127.0.0.0/8: another "machine"). */
function postReport(url: string, body: string, type = 'application/csp-report', localAddress = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/api/csp-reports`, { method: 'POST', headers: { 'content-type': type }, localAddress }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A report as Chromium sends it for `report-uri`. */
const chromiumReport = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    'csp-report': {
      'document-uri': 'http://app.example/d/notes?x=1#edit-secret-in-the-fragment',
      referrer: '',
      'violated-directive': 'script-src-elem',
      'effective-directive': 'script-src-elem',
      'original-policy': "default-src 'self'",
      disposition: 'enforce',
      'blocked-uri': 'inline',
      'line-number': 12,
      'column-number': 34,
      'source-file': 'http://app.example/d/notes?x=1',
      'status-code': 200,
      'script-sample': 'window.injected = true',
      ...fields,
    },
  });

describe('CSP violation reports', () => {
  it('[B6] a browser report is logged with its directive, what was blocked and where, without query or fragment', async () => {
    const { url } = await start();
    expect(await postReport(url, chromiumReport())).toBe(204);
    expect(violations()).toEqual([
      expect.objectContaining({
        directive: 'script-src-elem',
        blocked: 'inline',
        document: 'http://app.example/d/notes',
        source: 'http://app.example/d/notes',
        line: 12,
        column: 34,
        sample: 'window.injected = true',
        disposition: 'enforce',
        address: '127.0.0.1',
      }),
    ]);
    expect(output.join('\n')).not.toContain('edit-secret-in-the-fragment');
    expect(output.join('\n')).not.toContain('x=1');

    // The Reporting API's format, several at once: at most ten of a body are logged.
    const reports = Array.from({ length: 12 }, (_, index) => ({
      type: 'csp-violation',
      url: 'https://app.example/embed/notes',
      body: { documentURL: 'https://app.example/embed/notes?theme=dark', effectiveDirective: 'img-src', blockedURL: `data:image/png;base64,${index}` },
    }));
    output.length = 0;
    expect(await postReport(url, JSON.stringify(reports), 'application/reports+json')).toBe(204);
    expect(violations()).toHaveLength(10);
    expect(violations()[0]).toMatchObject({ directive: 'img-src', blocked: 'data:', document: 'https://app.example/embed/notes' });

    // Long fields are cut.
    output.length = 0;
    expect(await postReport(url, chromiumReport({ 'script-sample': 'x'.repeat(5000) }))).toBe(204);
    expect((violations()[0].sample as string).length).toBe(200);
  });

  it('[B7] what is not a small JSON report is refused and logs nothing', async () => {
    const { url } = await start();
    expect(await postReport(url, chromiumReport(), 'text/plain')).toBe(415);
    expect(await postReport(url, chromiumReport({ 'script-sample': 'x'.repeat(MAX_REPORT_BYTES) }))).toBe(413);
    expect(await postReport(url, '{not json')).toBe(400);
    expect(await postReport(url, '{"hello": "world"}')).toBe(400);
    expect(await postReport(url, '[{"type": "deprecation", "body": {}}]', 'application/reports+json')).toBe(400);
    expect(violations()).toEqual([]);
  });

  it('[B7] one address sending too many reports gets 429 and is not logged; another address is still heard', async () => {
    const { url } = await start();
    const statuses: number[] = [];
    for (let i = 0; i < CSP_REPORT_LIMITS.burst + 5; i++) statuses.push(await postReport(url, chromiumReport()));
    expect(statuses.slice(0, CSP_REPORT_LIMITS.burst).every((status) => status === 204)).toBe(true);
    // At one report a second, the run may have earned one more; never five.
    expect(statuses.slice(CSP_REPORT_LIMITS.burst).filter((status) => status === 429).length).toBeGreaterThanOrEqual(4);
    const logged = violations().length;
    expect(logged).toBe(statuses.filter((status) => status === 204).length);

    expect(await postReport(url, chromiumReport(), 'application/csp-report', '127.0.0.2')).toBe(204);
    expect(violations()).toHaveLength(logged + 1);
    expect(violations().at(-1)).toMatchObject({ address: '127.0.0.2' });
  });

  it('[B7] the rate limiter refills with time and remembers a bounded number of addresses', () => {
    let now = 0;
    const limiter = new AddressRateLimiter({ burst: 2, perSecond: 1, maxAddresses: 2 }, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([true, true, false]);
    now += 1000;
    expect([limiter.take('a'), limiter.take('a')]).toEqual([true, false]);
    // Past two addresses, the least recently seen ("a") is forgotten: it starts again full.
    expect([limiter.take('b'), limiter.take('c')]).toEqual([true, true]);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([true, true, false]);
  });
});

describe('HSTS', () => {
  function headersOver(url: string, secure: boolean, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(url, { headers, rejectUnauthorized: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.headers));
      });
      request.on('error', reject);
      request.end();
    });
  }

  it('[B8] HSTS is sent only on responses that went over TLS on the socket, never because a client says https', async () => {
    const { server, url } = await start();
    const tls = await makeCertificate();
    cleanups.push(tls.remove);
    const https: Server = createHttpsServer(tls, (request, response) => {
      void server.handleRequest(request, response).then((handled) => {
        if (handled) return;
        setPageHeaders(request, response, { embedOrigins: [], https: server.reachedOverHttps(request) });
        response.end('a page');
      });
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    });
    const secureUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;

    expect((await headersOver(`${secureUrl}/healthz`, true))['strict-transport-security']).toBe(HSTS);
    expect((await headersOver(`${secureUrl}/some-page`, true))['strict-transport-security']).toBe(HSTS);
    const forwarded = { 'x-forwarded-proto': 'https', forwarded: 'proto=https' };
    expect((await headersOver(`${url}/healthz`, false, forwarded))['strict-transport-security']).toBeUndefined();
  });

  it('[B8] behind a trusted proxy (TRUST_PROXY) that terminated TLS, HSTS is sent as its X-Forwarded-Proto says', async () => {
    const { url } = await start(['127.0.0.1']);
    expect((await headersOver(`${url}/healthz`, false, { 'x-forwarded-proto': 'https' }))['strict-transport-security']).toBe(HSTS);
    expect((await headersOver(`${url}/healthz`, false, { 'x-forwarded-proto': 'http' }))['strict-transport-security']).toBeUndefined();
    expect((await headersOver(`${url}/healthz`, false))['strict-transport-security']).toBeUndefined();
  });
});

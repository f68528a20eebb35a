import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger';
import { HttpError, type Router, readJson } from './Router';
import { CSP_REPORT_PATH } from './securityHeaders';

/** The largest report body read, in bytes: a report is a few hundred bytes (the policy, two URLs, a 40-character sample). */
export const MAX_REPORT_BYTES = 16 * 1024;

/** The most reports logged from one body (the Reporting API sends them in arrays). */
const MAX_REPORTS_PER_BODY = 10;

/** The longest text kept of any one field of a report. */
const MAX_FIELD_CHARS = 200;

export interface CspReportLimits {
  /** Reports one address may send at once before it is slowed down. */
  burst: number;
  /** Reports per second one address may send, on average. */
  perSecond: number;
  /** Addresses remembered at once; the least recently seen is forgotten past this. */
  maxAddresses: number;
}

/** A page with a broken policy reports every blocked thing; a person's browser sends a few. */
export const CSP_REPORT_LIMITS: CspReportLimits = { burst: 20, perSecond: 1, maxAddresses: 10_000 };

export interface CspReportOptions {
  logger: Logger;
  limits?: CspReportLimits;
  now?: () => number;
  /** The client address of a request (behind trusted proxies, from their X-Forwarded-For); default the peer's. */
  addressOf?: (request: IncomingMessage) => string;
}

/**
 * `POST /api/csp-reports`: browsers report here what a page's Content-Security-Policy blocked
 * (`report-uri`, `application/csp-report`; the Reporting API's `application/reports+json` is read
 * too). Each report is logged as a `csp-violation` warning with its directive, what was blocked and
 * where; addresses are cut to origin and path, so no query or fragment reaches the logs. Anyone
 * may send anything here, so bodies are small, parsed reports are capped, and each address is
 * rate-limited (429) before its body is read.
 */
export function addCspReportRoute(
  router: Router,
  { logger, limits = CSP_REPORT_LIMITS, now = Date.now, addressOf = (request) => request.socket.remoteAddress ?? 'unknown' }: CspReportOptions,
): void {
  const limiter = new AddressRateLimiter(limits, now);
  router.add('POST', CSP_REPORT_PATH, async (request, response) => {
    const address = addressOf(request);
    if (!limiter.take(address)) throw new HttpError(429, 'too many reports from this address; try again later');
    const body = await readJson(request, MAX_REPORT_BYTES, ['application/csp-report', 'application/reports+json', 'application/json']);
    const reports = violationsIn(body);
    if (reports.length === 0) throw new HttpError(400, 'expected a CSP violation report ({"csp-report": {…}}, or an array of Reporting API reports)');
    for (const report of reports) logger.warn({ event: 'csp-violation', address, ...report }, `Content-Security-Policy blocked ${report.directive}`);
    response.writeHead(204, { 'cache-control': 'no-store' }).end();
  });
}

/** What is logged of one violation. */
export interface Violation {
  directive: string;
  blocked: string;
  document: string;
  source?: string;
  line?: number;
  column?: number;
  sample?: string;
  disposition?: string;
}

/** The violations in a report body, in either format; malformed entries are skipped. */
export function violationsIn(body: unknown): Violation[] {
  if (isObject(body) && isObject(body['csp-report'])) {
    const report = body['csp-report'];
    return [
      violation({
        directive: report['effective-directive'] ?? report['violated-directive'],
        blocked: report['blocked-uri'],
        document: report['document-uri'],
        source: report['source-file'],
        line: report['line-number'],
        column: report['column-number'],
        sample: report['script-sample'],
        disposition: report.disposition,
      }),
    ].filter((entry) => entry !== null);
  }
  if (!Array.isArray(body)) return [];
  return body
    .slice(0, MAX_REPORTS_PER_BODY)
    .filter((entry) => isObject(entry) && entry.type === 'csp-violation' && isObject(entry.body))
    .map((entry) => {
      const report = entry.body as Record<string, unknown>;
      return violation({
        directive: report.effectiveDirective,
        blocked: report.blockedURL,
        document: report.documentURL ?? entry.url,
        source: report.sourceFile,
        line: report.lineNumber,
        column: report.columnNumber,
        sample: report.sample,
        disposition: report.disposition,
      });
    })
    .filter((entry) => entry !== null);
}

function violation(fields: Record<keyof Violation, unknown>): Violation | null {
  const directive = text(fields.directive);
  if (!directive) return null;
  const result: Violation = { directive, blocked: trimmedUrl(fields.blocked) ?? '', document: trimmedUrl(fields.document) ?? '' };
  const source = trimmedUrl(fields.source);
  if (source) result.source = source;
  if (Number.isSafeInteger(fields.line)) result.line = fields.line as number;
  if (Number.isSafeInteger(fields.column)) result.column = fields.column as number;
  const sample = text(fields.sample);
  if (sample) result.sample = sample;
  const disposition = text(fields.disposition);
  if (disposition) result.disposition = disposition;
  return result;
}

/** A reported address as origin and path (or a keyword such as `inline`), never its query or fragment. */
function trimmedUrl(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  if (!URL.canParse(raw)) return raw.split(/[?#]/, 1)[0];
  const url = new URL(raw);
  return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:'
    ? `${url.origin}${url.pathname}`.slice(0, MAX_FIELD_CHARS)
    : url.protocol;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_FIELD_CHARS) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A token bucket per address, with a bounded number of addresses: the least recently seen is
 * forgotten when a new one arrives past `maxAddresses` (it starts again with a full bucket).
 */
export class AddressRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limits: CspReportLimits,
    private readonly now: () => number,
  ) {}

  /** Takes one token for `address`; false when its bucket is empty. */
  take(address: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(address) ?? { tokens: this.limits.burst, at: now };
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limits.perSecond);
    bucket.at = now;
    // Re-inserted, so the map's order is least recently seen first.
    this.buckets.delete(address);
    this.buckets.set(address, bucket);
    if (this.buckets.size > this.limits.maxAddresses) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

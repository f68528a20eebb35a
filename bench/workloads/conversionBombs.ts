import { mintToken } from '../../shared/token';
import { Bystander } from '../../testing/bystander';
import { apiBody, CONTENT_BOMBS, importBody } from '../../testing/contentBombs';
import { honestMarkdown } from '../../testing/markdownDocuments';
import { SeededRandom } from '../../testing/seededRandom';
import { BenchServerProcess } from '../serverProcess';
import { bytes, ms, sleep } from '../stats';
import { BENCH_AUTH_SECRET, newDataDir } from '../systems';
import type { WorkloadContext } from './common';

/** The worst event-loop stall the server may show while it converts anything, ms. */
export const STALL_GOAL_MS = 100;

/** One request: what was sent where, how it was answered, and what everyone else saw meanwhile. */
export interface ConversionRow {
  shape: string;
  endpoint: string;
  bytes: number;
  /** HTTP status, or why there was none. */
  status: number | 'timed out' | 'server died';
  answerMs: number;
  /** The server's worst event-loop delay while the request ran, and its longest garbage-collection pause, ms. */
  serverLoopDelayMax: number;
  serverGcPauseMax: number;
  /** A bystander's worst `/healthz` answer and typing round trip (to a durable acknowledgement) meanwhile, ms. */
  healthzWorst: number;
  typingWorst: number;
}

export interface ConversionBombsResult {
  /** Five seconds without requests: what the server's event loop and the bystander show on this machine anyway. */
  quiet: ConversionRow;
  /** The shapes of `testing/contentBombs.ts`, each at the largest size its endpoint accepts. */
  bombs: ConversionRow[];
  /** An honest 1 MB Markdown document: imported, written, read back as HTML. */
  honest: ConversionRow[];
  /** The worst of `bombs`, ms. */
  worstServerLoopDelay: number;
  worstHealthz: number;
  worstTyping: number;
}

const MAX_BODY = 8 * 1024 * 1024;
const MAX_IMPORT = 1024 * 1024;

/** Where a request goes. */
interface Way {
  label: string;
  method: 'PUT' | 'POST';
  route: string;
}

const IMPORT: Way = { label: 'import', method: 'POST', route: '/api/app/documents' };

/**
 * Workload 7: content shaped to be expensive to convert (deep nesting, quadratic parser inputs,
 * huge node counts) sent one request at a time to a Quire server at the largest size each endpoint
 * accepts (8 MB to the content API, 1 MB to the app's import), while a bystander types into
 * another document and asks `/healthz`. Reports, per request, the server's worst event-loop delay
 * and what the bystander waited. A server that does not answer within the request timeout, or
 * dies, is restarted for the next request. Quick runs send each shape once (Markdown to the
 * import, the rest to the content API) with a 2 s conversion budget.
 */
export async function conversionBombs(context: WorkloadContext): Promise<ConversionBombsResult> {
  const requestTimeoutMs = context.quick ? 60_000 : 120_000;
  const env: Record<string, string> = context.quick ? { CONVERSION_TIMEOUT_MS: '2000' } : {};
  const token = await mintToken(BENCH_AUTH_SECRET, { sub: 'bench', name: 'Bench', doc: '*', role: 'admin' }, 24 * 3600);
  let running = await start(env);
  const send = async (shape: string, way: Way, body: Buffer): Promise<ConversionRow> => {
    if (!running.server.alive) running = await start(env);
    await running.server.resetLoopDelay();
    const seenBefore = running.bystander.current;
    const started = performance.now();
    let status: ConversionRow['status'];
    try {
      const response = await fetch(`${running.url}${way.route}`, {
        method: way.method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch (error) {
      status = running.server.alive && (error as Error).name === 'TimeoutError' ? 'timed out' : 'server died';
    }
    const answerMs = performance.now() - started;
    // Round trips in flight when the answer came still belong to this request.
    await sleep(200);
    const stats = running.server.alive ? await running.server.stats().catch(() => null) : null;
    const seen = running.bystander.current;
    const row: ConversionRow = {
      shape,
      endpoint: way.label,
      bytes: body.byteLength,
      status,
      answerMs,
      serverLoopDelayMax: stats?.loopDelayMax ?? answerMs,
      serverGcPauseMax: stats?.gcPauseMax ?? Number.NaN,
      healthzWorst: Math.max(0, ...seen.healthzMs.slice(seenBefore.healthzMs.length)),
      typingWorst: Math.max(0, ...seen.typingMs.slice(seenBefore.typingMs.length)),
    };
    context.log(
      `${shape} → ${way.label}: ${status} after ${ms(answerMs)}; server loop delay max ${ms(row.serverLoopDelayMax)}, /healthz ${ms(row.healthzWorst)}, typing ${ms(row.typingWorst)}`,
    );
    // A server still stuck (or dead) measures nothing more: start a fresh one.
    if (typeof status !== 'number') {
      await running.stop(0);
      running = await start(env);
    }
    return row;
  };

  // The control: the same measurements with nothing sent (the first worker is started first).
  await send('warm-up', IMPORT, Buffer.from(JSON.stringify({ format: 'markdown', content: '# Warm' })));
  const quiet = await idle(running, QUIET_MS, context);
  const bombs: ConversionRow[] = [];
  const writes: Way[] = [
    { label: 'PUT content', method: 'PUT', route: '/api/docs/target/content' },
    { label: 'POST content', method: 'POST', route: '/api/docs/target/content' },
    { label: 'POST /api/docs', method: 'POST', route: '/api/docs' },
  ];
  for (const [index, bomb] of CONTENT_BOMBS.entries()) {
    const markdown = bomb.format === 'markdown';
    if (!context.quick || !markdown) bombs.push(await send(bomb.id, writes[index % writes.length], Buffer.from(apiBody(bomb, MAX_BODY))));
    if (markdown) bombs.push(await send(bomb.id, IMPORT, Buffer.from(importBody(bomb, MAX_IMPORT, MAX_IMPORT * 2 + 16 * 1024))));
  }

  const markdown = honestMarkdown(new SeededRandom(1), MAX_IMPORT);
  const honest = [
    await send('honest 1 MB Markdown', IMPORT, Buffer.from(JSON.stringify({ title: 'Report', format: 'markdown', content: markdown }))),
    await send('honest 1 MB Markdown', writes[0], Buffer.from(JSON.stringify({ format: 'markdown', content: markdown }))),
  ];
  honest.push(await read(running, token, 'honest 1 MB Markdown', '/api/docs/target/content?format=html', context));
  await running.stop();
  const worst = (pick: (row: ConversionRow) => number) => Math.max(...bombs.map(pick));
  return {
    quiet,
    bombs,
    honest,
    worstServerLoopDelay: worst((row) => row.serverLoopDelayMax),
    worstHealthz: worst((row) => row.healthzWorst),
    worstTyping: worst((row) => row.typingWorst),
  };
}

interface RunningServer {
  server: BenchServerProcess;
  url: string;
  bystander: Bystander;
  /** Stops the bystander and the server (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** A Quire server on a fresh data folder, with a `target` document and a bystander typing in another. */
async function start(env: Record<string, string>): Promise<RunningServer> {
  const dataDir = await newDataDir('quire');
  const server = await BenchServerProcess.start('Quire', 'collab-server/main.ts', {
    DATA_DIR: dataDir,
    AUTH_SECRET: BENCH_AUTH_SECRET,
    LOG_LEVEL: 'info',
    ...env,
  });
  const url = `http://127.0.0.1:${server.port}`;
  const token = await mintToken(BENCH_AUTH_SECRET, { sub: 'bench', name: 'Bench', doc: '*', role: 'admin' }, 24 * 3600);
  const created = await fetch(`${url}/api/docs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'target', content: 'Target.' }),
  });
  if (created.status !== 201) throw new Error(`creating the target document answered ${created.status}: ${await created.text()}`);
  const bystander = await Bystander.start({
    httpUrl: url,
    hocuspocusUrl: `ws://127.0.0.1:${server.port}/collab`,
    document: 'bystander',
    token: await mintToken(BENCH_AUTH_SECRET, { sub: 'bystander', name: 'Bystander', doc: 'bystander', role: 'editor' }, 24 * 3600),
  });
  return {
    server,
    url,
    bystander,
    stop: async (graceMs) => {
      await bystander.stop();
      await server.stop(graceMs);
    },
  };
}

/** How long the control runs. */
const QUIET_MS = 5000;

/** `ms` without requests, measured like `send`. */
async function idle(running: RunningServer, durationMs: number, context: WorkloadContext): Promise<ConversionRow> {
  await running.server.resetLoopDelay();
  const seenBefore = running.bystander.current;
  await sleep(durationMs);
  const stats = await running.server.stats();
  const seen = running.bystander.since(seenBefore);
  const row: ConversionRow = {
    shape: 'nothing (control)',
    endpoint: '–',
    bytes: 0,
    status: 0,
    answerMs: durationMs,
    serverLoopDelayMax: stats.loopDelayMax,
    serverGcPauseMax: stats.gcPauseMax,
    healthzWorst: seen.worstHealthzMs,
    typingWorst: seen.worstTypingMs,
  };
  context.log(
    `quiet for ${durationMs} ms: server loop delay max ${ms(row.serverLoopDelayMax)}, /healthz ${ms(row.healthzWorst)}, typing ${ms(row.typingWorst)}`,
  );
  return row;
}

/** A GET of `route`, measured like `send`. */
async function read(running: RunningServer, token: string, shape: string, route: string, context: WorkloadContext): Promise<ConversionRow> {
  await running.server.resetLoopDelay();
  const seenBefore = running.bystander.current;
  const started = performance.now();
  const response = await fetch(`${running.url}${route}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.arrayBuffer();
  const answerMs = performance.now() - started;
  await sleep(200);
  const stats = await running.server.stats();
  const seen = running.bystander.current;
  const row: ConversionRow = {
    shape,
    endpoint: `GET ${route.split('?')[1]}`,
    bytes: body.byteLength,
    status: response.status,
    answerMs,
    serverLoopDelayMax: stats.loopDelayMax,
    serverGcPauseMax: stats.gcPauseMax,
    healthzWorst: Math.max(0, ...seen.healthzMs.slice(seenBefore.healthzMs.length)),
    typingWorst: Math.max(0, ...seen.typingMs.slice(seenBefore.typingMs.length)),
  };
  context.log(`${shape} ← ${row.endpoint}: ${row.status} after ${ms(answerMs)}; server loop delay max ${ms(row.serverLoopDelayMax)}`);
  return row;
}

/** The workload's table, for the report. */
export function conversionBombsTable(result: ConversionBombsResult): string[] {
  const lines = [
    `**7. Conversion bombs** — content shaped to be expensive to convert, at each endpoint's size limit, one request at a time, while a bystander types into another document (each keystroke waits for its durable acknowledgement, so the typing round trip includes the disk) and asks /healthz. Goal: the server's event loop never stalls, and /healthz never waits, more than ${STALL_GOAL_MS} ms. Worst over the bombs: server loop delay ${ms(result.worstServerLoopDelay)}, /healthz ${ms(result.worstHealthz)}, typing round trip ${ms(result.worstTyping)}; with nothing sent for ${result.quiet.answerMs / 1000} s (the control): ${ms(result.quiet.serverLoopDelayMax)}, ${ms(result.quiet.healthzWorst)}, ${ms(result.quiet.typingWorst)}.`,
    '',
    '| shape | sent to | size | answer | answered after | server loop delay max (longest GC pause) | /healthz worst | typing worst |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of [result.quiet, ...result.bombs, ...result.honest]) {
    lines.push(
      `| ${row.shape} | ${row.endpoint} | ${bytes(row.bytes)} | ${row.status} | ${ms(row.answerMs)} | ${ms(row.serverLoopDelayMax)} (${ms(row.serverGcPauseMax)}) | ${ms(row.healthzWorst)} | ${ms(row.typingWorst)} |`,
    );
  }
  lines.push('');
  return lines;
}

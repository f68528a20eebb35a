/**
 * `npx tsx scripts/historyCost.ts [trace] [--idle-ms=30000] [--max-interval-ms=300000]`
 *
 * What version history costs for a real editing session: replays a recorded trace (default
 * `seph-blog1`, read from the shared traces folder) into a garbage-collected document, captures
 * versions with the server's own code at the moments the server would (after each pause of
 * `idle-ms`, at least every `max-interval-ms` while typing goes on), stores them in a real
 * LevelDB, and reports bytes per version, what retention keeps, and how long rebuilding takes.
 * Every version is checked against the trace's text at its moment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { OPTIONS } from '../collab-server/config';
import { versionsToRemove } from '../collab-server/history/retention';
import { captureDelta, rebuildVersion } from '../collab-server/history/versionDelta';
import { LevelDocumentStore } from '../persistence/LevelDocumentStore';
import { BODY_FIELD } from '../shared/documentFields';
import { ParagraphTypist, readTrace } from '../testing/paragraphTrace';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => Number(args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const traceName = args.find((arg) => !arg.startsWith('--')) ?? 'seph-blog1';
const idleMs = option('idle-ms', OPTIONS.historyIdleMs.default);
const maxIntervalMs = option('max-interval-ms', OPTIONS.historyMaxIntervalMs.default);

const trace = readTrace(traceName);
const folder = await mkdtemp(path.join(os.tmpdir(), 'history-cost-'));
const store = new LevelDocumentStore({ location: folder });
await store.open();
await store.create('doc');

const doc = new Y.Doc();
// A fixed client id of the usual size (Yjs picks a random 32-bit one), so byte counts repeat from run to run.
doc.clientID = 0xdeadbeef;
const typist = new ParagraphTypist(doc);
let state: Uint8Array | null = null;
let burstStart: number | null = null;
let last = 0;
let wholeDeleteSetBytes = 0;
const expected = new Map<number, string>();
const captureSeconds: number[] = [];

const capture = async (at: number) => {
  const started = performance.now();
  const captured = captureDelta(doc, state);
  captureSeconds.push((performance.now() - started) / 1000);
  // For comparison: what the delta would weigh with the whole delete set, as encodeStateAsUpdate writes it.
  wholeDeleteSetBytes += Y.encodeStateAsUpdate(doc, state ? Y.encodeStateVector(Y.decodeSnapshot(state).sv) : undefined).byteLength;
  const info = await store.addVersion('doc', { ...captured, createdAt: at, label: null, authors: [], restoredFrom: null });
  expected.set(info.id, typist.text());
  state = captured.state;
  burstStart = null;
};

const replayStarted = performance.now();
for (const transaction of trace.transactions) {
  if (burstStart !== null && (transaction.time - last > idleMs || transaction.time - burstStart >= maxIntervalMs)) await capture(last);
  typist.apply(transaction);
  burstStart ??= transaction.time;
  last = transaction.time;
}
if (burstStart !== null) await capture(last);
const replaySeconds = (performance.now() - replayStarted) / 1000;
if (typist.text() !== trace.endContent) throw new Error('the replay does not end with the trace text: the replayer is wrong');

const versions = (await store.listVersions('doc')) ?? [];
const deltaBytes = versions.map((version) => version.bytes).sort((a, b) => a - b);
const total = deltaBytes.reduce((sum, bytes) => sum + bytes, 0);
const documentBytes = Y.encodeStateAsUpdate(doc).byteLength;
const headBytes = state ? (state as Uint8Array).byteLength : 0;

// Every version rebuilds to the text it was captured with.
const checkStarted = performance.now();
const running = new Y.Doc();
for (const version of versions) {
  const deltas = await store.loadVersion('doc', version.id);
  if (!deltas) throw new Error(`version ${version.id} is missing`);
  Y.applyUpdate(running, deltas[deltas.length - 1]);
  if (bodyText(running) !== expected.get(version.id)) throw new Error(`version ${version.id} does not rebuild to its text`);
}
const checkSeconds = (performance.now() - checkStarted) / 1000;

// Timings: the best of three, so a busy machine disturbs them less.
const best = async (run: () => Promise<void> | void) => {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await run();
    fastest = Math.min(fastest, (performance.now() - started) / 1000);
  }
  return fastest;
};
const whole = Y.encodeStateAsUpdate(doc);
const loadSeconds = await best(() => Y.applyUpdate(new Y.Doc(), whole));
const latestId = versions[versions.length - 1].id;
const rebuildSeconds = await best(async () => rebuildVersion((await store.loadVersion('doc', latestId)) ?? []).destroy());
const latestDeltas = (await store.loadVersion('doc', latestId)) ?? [];
const applySeconds = await best(() => rebuildVersion(latestDeltas).destroy());

// Retention as the server applies it, at the time of the trace's last transaction.
const end = trace.transactions[trace.transactions.length - 1].time;
const policy = { keepDays: OPTIONS.historyKeepDays.default, maxAutoVersions: OPTIONS.historyMaxAutoVersions.default };
const removedNow = versionsToRemove(versions, end, policy);
if (removedNow.length > 0) await store.removeVersions('doc', removedNow);
const keptNow = (await store.listVersions('doc')) ?? [];
const keptBytes = keptNow.reduce((sum, version) => sum + version.bytes, 0);
for (const version of keptNow) {
  const rebuilt = rebuildVersion((await store.loadVersion('doc', version.id)) ?? []);
  if (bodyText(rebuilt) !== expected.get(version.id)) throw new Error(`version ${version.id} changed when retention removed others`);
  rebuilt.destroy();
}
const rebuildKeptSeconds = await best(async () => rebuildVersion((await store.loadVersion('doc', keptNow[keptNow.length - 1].id)) ?? []).destroy());

await store.close();
await rm(folder, { recursive: true, force: true });

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const percentile = (p: number) => deltaBytes[Math.min(deltaBytes.length - 1, Math.floor((deltaBytes.length * p) / 100))];
const spanDays = (end - trace.transactions[0].time) / 86_400_000;
console.log(`trace ${traceName}: ${trace.transactions.length} transactions over ${spanDays.toFixed(0)} days, ${trace.endContent.length} characters at the end`);
console.log(`capture policy: a version after ${idleMs / 1000} s without edits, at least every ${maxIntervalMs / 1000} s while editing`);
console.log(`versions: ${versions.length}, stored deltas ${kb(total)} in all`);
console.log(
  `bytes per version: mean ${Math.round(total / versions.length)}, median ${percentile(50)}, p90 ${percentile(90)}, max ${deltaBytes[deltaBytes.length - 1]}`,
);
console.log(`  with the whole delete set in every delta (plain encodeStateAsUpdate): ${kb(wholeDeleteSetBytes)} in all`);
console.log(`document: ${kb(documentBytes)} as one update; history head (state of the latest version): ${kb(headBytes)}`);
const sortedCapture = [...captureSeconds].sort((a, b) => a - b);
console.log(
  `capture (synchronous, on the live document): median ${(sortedCapture[sortedCapture.length >> 1] * 1000).toFixed(2)} ms, p99 ${(sortedCapture[Math.floor(sortedCapture.length * 0.99)] * 1000).toFixed(2)} ms`,
);
console.log(
  `rebuilding the latest of ${versions.length} versions (read from LevelDB and apply): ${(rebuildSeconds * 1000).toFixed(0)} ms, of which applying ${(applySeconds * 1000).toFixed(0)} ms; applying the document's own state to an empty one: ${(loadSeconds * 1000).toFixed(0)} ms`,
);
console.log(
  `retention (${policy.keepDays} days, at most ${policy.maxAutoVersions} automatic) at the end of the trace keeps ${keptNow.length} versions, ${kb(keptBytes)}; rebuilding the latest: ${(rebuildKeptSeconds * 1000).toFixed(0)} ms`,
);
console.log(`replay ${replaySeconds.toFixed(1)} s; every version checked against the trace text in ${checkSeconds.toFixed(1)} s`);

/** The trace text of a document in the paragraph shape `ParagraphTypist` writes. */
function bodyText(doc: Y.Doc): string {
  return doc
    .getXmlFragment(BODY_FIELD)
    .toArray()
    .map((paragraph) => (paragraph as Y.XmlElement).get(0)?.toString() ?? '')
    .join('\n');
}

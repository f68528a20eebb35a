import { cp, rm } from 'node:fs/promises';
import * as Y from 'yjs';
import { connect, hasContent, until } from '../clients';
import { automergePaper, stateVectorOf } from '../fixtures';
import { median } from '../stats';
import { newDataDir, type System } from '../systems';
import type { WorkloadContext } from './common';

export interface ColdLoadResult {
  /** Updates in the stored log. */
  logEntries: number;
  /** Time until a new client holds the whole document, loaded from the log, ms (null: not supported). */
  fromLog: number | null;
  /** True when loading from the log did not finish within the time limit. */
  fromLogTimedOut: boolean;
  /** The same, from the compacted form. */
  fromSnapshot: number | null;
  /** Of `fromSnapshot`, the time until the WebSocket was open (TCP and WebSocket handshakes), ms. */
  snapshotConnectMs: number | null;
  /** Server CPU time spent while serving the load from the log / the compacted form, ms. */
  serverCpuFromLog: number | null;
  serverCpuFromSnapshot: number | null;
  stateBytes: number;
}

/** What the cold loads are compared with: `Y.applyUpdate` of the same state into a new Y.Doc. */
export function plainApplyMs(state: Uint8Array, repetitions = 7): number {
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    Y.applyUpdate(new Y.Doc(), state);
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * Workload 4: the `automerge-paper` trace stored (a) as a log of its updates, one stored entry
 * per update, and (b) compacted into one state; time from a new client's connection to it
 * holding the whole document, with the server freshly started over a copy of that data.
 */
export async function coldLoad(system: System, context: WorkloadContext): Promise<ColdLoadResult> {
  const paper = automergePaper();
  // Quick mode stores a prefix of the log (the whole trace takes minutes to write and, for
  // some systems, to load); the compacted form is always the whole document.
  const updates = context.quick ? paper.updates.slice(0, 10_000) : paper.updates;
  const logState = context.quick ? stateOf(updates) : paper.state;
  const repetitions = context.quick ? 1 : 3;
  const timeoutMs = context.quick ? 60_000 : 120_000;
  if (!system.writeLog || !system.writeSnapshot) {
    return {
      logEntries: updates.length,
      fromLog: null,
      fromLogTimedOut: false,
      fromSnapshot: null,
      snapshotConnectMs: null,
      serverCpuFromLog: null,
      serverCpuFromSnapshot: null,
      stateBytes: paper.state.byteLength,
    };
  }
  const writeLog = system.writeLog.bind(system);
  const writeSnapshot = system.writeSnapshot.bind(system);

  // Each data folder also holds a warm-up document of the same kind, loaded first: a server
  // that has run for a while has its code paths compiled, and so should the one measured.
  const warmUpLog = updates.slice(0, 10_000);
  const fromLog = await timeLoads(
    system,
    async (dir) => {
      await writeLog(dir, 'warm-up', warmUpLog);
      await writeLog(dir, 'paper', updates);
    },
    { name: 'warm-up', state: stateOf(warmUpLog) },
    logState,
    repetitions,
    timeoutMs,
  );
  context.log(
    `cold load ${system.label}: ${fromLog.timedOut ? `> ${timeoutMs} ms (timed out)` : `${fromLog.ms.toFixed(0)} ms (server CPU ${fromLog.cpuMs.toFixed(0)} ms)`} from a log of ${updates.length} updates`,
  );
  const fromSnapshot = await timeLoads(
    system,
    async (dir) => {
      await writeSnapshot(dir, 'warm-up', paper.state);
      await writeSnapshot(dir, 'paper', paper.state);
    },
    { name: 'warm-up', state: paper.state },
    paper.state,
    repetitions,
    timeoutMs,
  );
  context.log(
    `cold load ${system.label}: ${fromSnapshot.ms.toFixed(1)} ms (${fromSnapshot.connectMs.toFixed(1)} ms of it connecting; server CPU ${fromSnapshot.cpuMs.toFixed(0)} ms) from the compacted state`,
  );
  return {
    logEntries: updates.length,
    fromLog: fromLog.timedOut ? null : fromLog.ms,
    fromLogTimedOut: fromLog.timedOut,
    fromSnapshot: fromSnapshot.ms,
    snapshotConnectMs: fromSnapshot.connectMs,
    serverCpuFromLog: fromLog.timedOut ? null : fromLog.cpuMs,
    serverCpuFromSnapshot: fromSnapshot.cpuMs,
    stateBytes: paper.state.byteLength,
  };
}

function stateOf(updates: Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return Y.encodeStateAsUpdate(doc);
}

/** Writes the data once, then for each repetition starts the server over a fresh copy of it. */
async function timeLoads(
  system: System,
  write: (dataDir: string) => Promise<void>,
  warmUpDocument: { name: string; state: Uint8Array },
  state: Uint8Array,
  repetitions: number,
  timeoutMs: number,
) {
  const template = await newDataDir(system.id);
  await write(template);
  const expected = stateVectorOf(state);
  const times: number[] = [];
  const connects: number[] = [];
  const cpu: number[] = [];
  let timedOut = false;
  try {
    for (let i = 0; i < repetitions && !timedOut; i++) {
      const dataDir = await newDataDir(system.id);
      await cp(template, dataDir, { recursive: true });
      const running = await system.start(dataDir);
      try {
        // Load the warm-up document first: the measurement is the loading of a stored document,
        // not the first load a new process ever does.
        const warmUp = connect(running, warmUpDocument.name, { presence: false });
        const warmUpContent = stateVectorOf(warmUpDocument.state);
        await until(() => hasContent(warmUp, warmUpContent), timeoutMs, `${system.label} to load the warm-up document`);
        warmUp.destroy();
        await new Promise((resolve) => setTimeout(resolve, 200));
        const cpuBefore = (await running.server.stats()).cpuMicros;
        const started = performance.now();
        let opened = Number.NaN;
        const client = connect(running, 'paper', { presence: false, onOpen: () => (opened = performance.now()) });
        try {
          await until(() => hasContent(client, expected), timeoutMs, `${system.label} to load the document`);
          times.push(performance.now() - started);
          connects.push(opened - started);
          cpu.push(((await running.server.stats()).cpuMicros - cpuBefore) / 1000);
        } catch {
          timedOut = true;
        } finally {
          client.destroy();
        }
      } finally {
        await running.stop();
      }
    }
  } finally {
    await rm(template, { recursive: true, force: true });
  }
  return { ms: median(times), connectMs: median(connects), cpuMs: median(cpu), timedOut };
}

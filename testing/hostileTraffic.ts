import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { randomYEdit } from './randomEdits';
import { awarenessUpdate, endlessVarUint, FrameType, hpFrames, hugeVarUint, readServerFrame, yFrames } from './rawFrames';
import { RawSocket } from './rawSocket';
import { SeededRandom } from './seededRandom';

/**
 * Hostile traffic for the hostile-frames test: random, truncated and mutated frames of one
 * protocol, sent over several raw sockets that reconnect whenever the server closes them. It runs
 * in a child process (`spawnHostileClient`) so that generating the traffic does not compete with
 * the server under test for its event loop: the bystanders' latency then measures the server.
 */

export interface HostileOptions {
  /** `ws://host:port` of the server. */
  baseUrl: string;
  protocol: 'hocuspocus' | 'y-websocket';
  /** The document the attacker may edit, and an editor token for it. */
  document: string;
  token: string;
  seed: number;
  /** Frames to send in total. */
  frames: number;
  /** Sockets used in parallel. */
  sockets: number;
  /** Frames per second per socket (kept under the rate limit so most frames are judged on content). */
  ratePerSocket: number;
  /**
   * Attack in bursts of `burstMs`, each followed by `pauseMs` of silence, so a test can compare
   * the server's service during attack and quiet windows interleaved in the same run.
   */
  burstMs: number;
  pauseMs: number;
}

export interface HostileReport {
  framesSent: number;
  byKind: Record<string, number>;
  /** Socket closes by `code reason`. */
  socketCloses: Record<string, number>;
  /** Hocuspocus protocol: document connections closed by the server, by reason. */
  documentCloses: Record<string, number>;
  connections: number;
  /** Wall-clock time (ms since the epoch) the first burst started; bursts repeat every burst + pause. */
  startedAt: number;
  burstMs: number;
  pauseMs: number;
}

/** Whether wall-clock time `at` falls in a burst of `report` (false in pauses, before and after). */
export function inBurst(report: Pick<HostileReport, 'startedAt' | 'burstMs' | 'pauseMs'>, at: number): boolean {
  const offset = at - report.startedAt;
  return offset >= 0 && offset % (report.burstMs + report.pauseMs) < report.burstMs;
}

type FrameMaker = (random: SeededRandom) => { kind: string; frame: Uint8Array | string };

/** Valid frames of the attacker's own document, to be sent as they are or damaged. */
function validFrames(options: HostileOptions, random: SeededRandom): Array<() => Uint8Array> {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < 30; i++) randomYEdit(doc, random);
  const pickUpdate = () => random.pick(updates);
  const awareness = () => awarenessUpdate([{ clientId: random.int(1, 2 ** 31), clock: random.int(0, 100), state: { cursor: random.int(0, 100) } }]);
  const stateVector = () => Y.encodeStateVector(doc);
  const name = options.document;
  if (options.protocol === 'hocuspocus') {
    return [
      () => hpFrames.auth(name, options.token),
      () => hpFrames.syncStep1(name, stateVector()),
      () => hpFrames.syncStep2(name, pickUpdate()),
      () => hpFrames.update(name, pickUpdate()),
      () => hpFrames.awareness(name, awareness()),
      () => hpFrames.queryAwareness(name),
      () => hpFrames.stateless(name, 'x'.repeat(random.int(0, 64))),
    ];
  }
  return [
    () => yFrames.syncStep1(stateVector()),
    () => yFrames.syncStep2(pickUpdate()),
    () => yFrames.update(pickUpdate()),
    () => yFrames.awareness(awareness()),
    () => yFrames.queryAwareness(),
  ];
}

/** Damages a frame: bit flips, overwritten, inserted or removed bytes, a cut, or a huge varint. */
function mutate(frame: Uint8Array, random: SeededRandom): Uint8Array {
  const bytes = Array.from(frame);
  const edits = random.int(1, 4);
  for (let i = 0; i < edits && bytes.length > 0; i++) {
    const at = random.int(0, bytes.length - 1);
    switch (random.int(0, 5)) {
      case 0:
        bytes[at] ^= 1 << random.int(0, 7);
        break;
      case 1:
        bytes[at] = random.int(0, 255);
        break;
      case 2:
        bytes.splice(at, 0, ...random.bytes(random.int(1, 8)));
        break;
      case 3:
        bytes.splice(at, random.int(1, 8));
        break;
      case 4:
        bytes.length = at;
        break;
      default:
        bytes.splice(at, 0, ...(random.chance(0.5) ? hugeVarUint() : endlessVarUint(random.int(1, 12))));
    }
  }
  return new Uint8Array(bytes);
}

function makers(options: HostileOptions, random: SeededRandom): FrameMaker[] {
  const valid = validFrames(options, random);
  const huge = (r: SeededRandom) => {
    const encoder = encoding.createEncoder();
    if (options.protocol === 'hocuspocus' && r.chance(0.5)) encoding.writeVarString(encoder, options.document);
    encoding.writeVarUint(encoder, r.pick([FrameType.Sync, FrameType.Awareness, FrameType.Auth, FrameType.Stateless]));
    if (r.chance(0.5)) encoding.writeVarUint(encoder, r.int(0, 2));
    encoding.writeUint8Array(encoder, r.chance(0.5) ? hugeVarUint() : endlessVarUint(r.int(1, 16)));
    return encoding.toUint8Array(encoder);
  };
  return [
    (r) => ({ kind: 'random bytes', frame: r.bytes(r.int(0, 512)) }),
    (r) => {
      const frame = r.pick(valid)();
      return { kind: 'truncated', frame: frame.subarray(0, r.int(0, Math.max(0, frame.length - 1))) };
    },
    (r) => ({ kind: 'mutated', frame: mutate(r.pick(valid)(), r) }),
    (r) => ({ kind: 'mutated', frame: mutate(r.pick(valid)(), r) }),
    (r) => ({ kind: 'mutated', frame: mutate(r.pick(valid)(), r) }),
    (r) => ({ kind: 'valid', frame: r.pick(valid)() }),
    (r) => ({ kind: 'huge varint', frame: huge(r) }),
    (r) => ({ kind: 'text', frame: r.word(40) }),
  ];
}

const count = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1;
};

/** Sends the traffic from this process and reports what was sent and how the server answered. */
export async function sendHostileTraffic(options: HostileOptions): Promise<HostileReport> {
  const random = new SeededRandom(options.seed);
  const makeFrame = makers(options, random);
  const report: HostileReport = {
    framesSent: 0,
    byKind: {},
    socketCloses: {},
    documentCloses: {},
    connections: 0,
    startedAt: Date.now(),
    burstMs: options.burstMs,
    pauseMs: options.pauseMs,
  };
  const untilBurst = async () => {
    while (!inBurst(report, Date.now())) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const url =
    options.protocol === 'hocuspocus' ? `${options.baseUrl}/collab` : `${options.baseUrl}/y/${encodeURIComponent(options.document)}?token=${options.token}`;
  const perSocket = Math.ceil(options.frames / options.sockets);
  const interval = 1000 / options.ratePerSocket;

  const run = async (stream: SeededRandom) => {
    let sent = 0;
    while (sent < perSocket && report.framesSent < options.frames) {
      await untilBurst();
      const socket = new RawSocket(url);
      report.connections += 1;
      let seenFrames = 0;
      try {
        await socket.opened;
      } catch {
        continue;
      }
      // Authenticate first half of the time, so damaged frames also reach an open document.
      if (options.protocol === 'hocuspocus' && stream.chance(0.5)) socket.send(hpFrames.auth(options.document, options.token));
      while (socket.isOpen && sent < perSocket) {
        await untilBurst();
        const { kind, frame } = stream.pick(makeFrame)(stream);
        if (typeof frame === 'string') socket.sendText(frame);
        else socket.send(frame);
        sent += 1;
        report.framesSent += 1;
        count(report.byKind, kind);
        for (; seenFrames < socket.received.length; seenFrames++) {
          if (options.protocol !== 'hocuspocus') continue;
          try {
            const answer = readServerFrame(socket.received[seenFrames]);
            if (answer.type === FrameType.Close) count(report.documentCloses, answer.text ?? '');
          } catch {
            count(report.documentCloses, 'undecodable server frame');
          }
        }
        await new Promise((resolve) => setTimeout(resolve, interval));
      }
      if (socket.isOpen) socket.close();
      const closed = await socket.waitClosed().catch(() => ({ code: -1, reason: 'never closed' }));
      // A socket this client cut itself (it had sent its share) reports 1006; only the server's closes count.
      if (sent < perSocket || closed.code !== 1006) count(report.socketCloses, `${closed.code} ${closed.reason}`);
    }
  };
  await Promise.all(Array.from({ length: options.sockets }, () => run(random.fork())));
  return report;
}

const self = fileURLToPath(import.meta.url);

/** Runs `sendHostileTraffic` in a child process and resolves with its report. */
export function spawnHostileClient(options: HostileOptions): Promise<HostileReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self], {
      env: { ...process.env, HOSTILE_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', (code) => {
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"framesSent"'));
      if (code === 0 && line) resolve(JSON.parse(line) as HostileReport);
      else reject(new Error(`hostile client exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
}

if (process.argv[1] === self && process.env.HOSTILE_OPTIONS) {
  const report = await sendHostileTraffic(JSON.parse(process.env.HOSTILE_OPTIONS) as HostileOptions);
  console.log(JSON.stringify(report));
  process.exit(0);
}

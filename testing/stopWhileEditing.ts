import { mintToken } from '../shared/token';
import { TYPED_FIELD } from './ackThenKill';
import { hocuspocusClient } from './clients';
import type { CommandProcess, TreeProcess } from './commandProcess';
import { loadStored } from './storedDocument';
import { waitFor } from './waitFor';

/** How a stop request reaches a documented command. */
export interface StopRequest {
  name: string;
  send(command: CommandProcess): Promise<void>;
}

/**
 * A signal to npm's pid, and the same again `gapMs` later, as a wrapper forwarding a copy would.
 * Like a wrapper, it sends the copy only while there is something to pass it to: once the command's
 * program has stopped, npm is only finishing (it no longer listens for signals then, so a copy would
 * end npm itself, whatever the program did).
 */
const twice = (signal: NodeJS.Signals, gapMs: number) => async (command: CommandProcess) => {
  process.kill(command.pid, signal);
  await new Promise((resolve) => setTimeout(resolve, gapMs));
  if (command.tree().some((member) => member.pid !== command.pid)) process.kill(command.pid, signal);
};

/** The ways a stop request arrives that must all stop the server gracefully. */
export const STOP_REQUESTS: readonly StopRequest[] = [
  { name: "SIGTERM to npm's pid (docker stop, systemd, kill <pid>)", send: async (command) => void process.kill(command.pid, 'SIGTERM') },
  { name: "SIGTERM to npm's pid and a copy 5 ms later (a wrapper forwarding a second signal)", send: twice('SIGTERM', 5) },
  { name: 'SIGINT to the process group (Ctrl+C in a terminal; npm forwards a copy)', send: async (command) => command.signalGroup('SIGINT') },
];

/** Ctrl+C typed into the terminal of a command started with `CommandProcess.inTerminal`. */
export const CTRL_C_IN_TERMINAL: StopRequest = { name: 'Ctrl+C typed in its terminal', send: async (command) => command.pressCtrlC() };

/** What happened when a command was asked to stop while people were typing. */
export interface StopOutcome {
  exit: { code: number | null; signal: NodeJS.Signals | null };
  /** Items whose durable acknowledgement arrived before the command exited. */
  acknowledged: number;
  /** Acknowledged items missing from the data folder afterwards (must be empty). */
  lost: string[];
  /** Processes of the command's tree still running a few seconds after npm exited (must be empty). */
  leftover: TreeProcess[];
}

/**
 * Two real Hocuspocus clients type into one document of the command's server (on `port`, signed
 * with `secret`); once some of their edits are acknowledged, `request` asks the command to stop
 * while they keep typing. Waits for npm to exit, then for its tree to be gone, and reads the data
 * folder back.
 */
export async function stopWhileEditing(
  command: CommandProcess,
  options: { port: number; dataDir: string; secret: string; request: StopRequest },
): Promise<StopOutcome> {
  const document = 'stop-while-editing';
  const token = await mintToken(options.secret, { sub: 'typist', name: 'Typist', doc: document, role: 'editor' });
  const acknowledged = new Set<string>();
  let typed = 0;
  let typing = true;
  const clients = [0, 1].map((index) => {
    const client = hocuspocusClient(`ws://127.0.0.1:${options.port}/collab`, document, token);
    let pending: string[] = [];
    client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
      if (number !== 0) return;
      for (const item of pending) acknowledged.add(item);
      pending = [];
    });
    let burst = 0;
    const type = () => {
      if (!typing) return;
      const item = `${index}/${typed++}`;
      pending.push(item);
      client.doc.getArray<string>(TYPED_FIELD).push([item]);
      // Bursts of keystrokes 3 ms apart with pauses between them, as people type: an
      // acknowledgement (everything sent so far is stored) can only arrive in a pause.
      burst = (burst + 1) % 8;
      setTimeout(type, burst === 0 ? 150 : 3);
    };
    return { client, type };
  });
  try {
    await Promise.all(clients.map(({ client }) => client.synced()));
    for (const { type } of clients) type();
    await waitFor(() => acknowledged.size >= 20, { message: 'twenty acknowledged edits before the stop request' }).catch((error: Error) => {
      throw new Error(`${error.message} (${acknowledged.size} so far, ${typed} typed); the command printed:\n${command.output.slice(-4000)}`);
    });
    await options.request.send(command);
    const exit = await command.exited;
    typing = false;
    // What acknowledged before npm exited is what the server promised; the tree then has a
    // moment to disappear (a process that is still stopping would be an orphan).
    const leftover = await waitFor(() => (command.tree().length === 0 ? [] : null), { timeoutMs: 5_000, intervalMs: 50 }).catch(() => command.tree());
    const stored = (await loadStored(options.dataDir, [document])).get(document);
    const present = new Set(stored?.doc.getArray<string>(TYPED_FIELD).toArray() ?? []);
    return { exit, acknowledged: acknowledged.size, lost: [...acknowledged].filter((item) => !present.has(item)), leftover };
  } finally {
    typing = false;
    for (const { client } of clients) client.destroy();
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './waitFor';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The environment variable that marks every process of one command's tree. */
const MARK = 'QUIRE_TEST_PROCESS_TREE';

/** A process of a command's tree, as /proc shows it. */
export interface TreeProcess {
  pid: number;
  /** The state letter of /proc/<pid>/stat (`R`, `S`, `Z` for a zombie…). */
  state: string;
  command: string;
}

/**
 * A documented command (`npm start`, `npm run collab-server`, …) started exactly as a person or a
 * supervisor starts it: `npm` itself, found on PATH, in a process group of its own (as a shell
 * gives each job one), with its output piped — or inside a pseudo-terminal (`script` from
 * util-linux), as at a person's terminal. Every process of its tree — npm, whatever npm starts,
 * and their children — inherits a marker in its environment, so the tree can be found after the
 * command exits, orphans included (an orphan keeps its environment when it changes parent).
 */
export class CommandProcess {
  /** What the command printed on stdout (in a terminal: everything it printed). */
  stdout = '';
  /** What the command printed on stdout and stderr. */
  output = '';
  /** Resolves when the command exits: its exit code, or the signal that killed it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    private readonly mark: string,
  ) {
    child.stdout?.on('data', (chunk) => {
      this.stdout += chunk;
      this.output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      this.output += chunk;
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts `command` (program and arguments, e.g. `['npm', 'start']`) in the project (or in `cwd`,
   * a copy of it) with `env` over this process's environment.
   */
  static start(command: string[], env: Record<string, string>, cwd: string = root): CommandProcess {
    const mark = randomUUID();
    const [program, ...args] = command;
    const child = spawn(program, args, {
      cwd,
      env: { ...process.env, ...env, [MARK]: mark },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new CommandProcess(child, mark);
  }

  /**
   * Starts the shell command `command` (e.g. `npm start`) on a pseudo-terminal of its own, as a
   * person at a terminal does; `pressCtrlC` then types Ctrl+C into it. Its exit code is the command's.
   */
  static inTerminal(command: string, env: Record<string, string>): CommandProcess {
    const mark = randomUUID();
    // `exec`: the terminal's foreground job is the command itself, as when a person types it at an
    // interactive prompt. Without it a non-interactive `sh -c` (dash, where SHELL is unset) sits
    // between, takes the Ctrl+C itself and dies with 130 whatever the command does.
    const child = spawn('script', ['--quiet', '--flush', '--return', '--command', `exec ${command}`, '/dev/null'], {
      cwd: root,
      env: { ...process.env, ...env, [MARK]: mark },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    return new CommandProcess(child, mark);
  }

  /** Types Ctrl+C into the terminal of a command started with `inTerminal`. */
  pressCtrlC(): void {
    this.child.stdin?.write('\x03');
  }

  /** The pid of the started program (npm's): what a supervisor (`docker stop`, systemd, `kill <pid>`) signals. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Waits for a line of output that contains `text` and returns it; fails if npm exits first. */
  async line(text: string, timeoutMs = 120_000): Promise<string> {
    const find = () => this.output.split('\n').find((candidate) => candidate.includes(text));
    // 'close' comes once the output is read to its end, so a line printed just before exiting counts.
    const closed = new Promise<string>((resolve, reject) => {
      this.child.once('close', (code) => {
        const found = find();
        if (found) resolve(found);
        else reject(new Error(`the command exited with ${code} before printing "${text}"; output:\n${this.output}`));
      });
    });
    const printed = waitFor(find, { timeoutMs, intervalMs: 50, message: `a line with "${text}"` }).catch((error: Error) => {
      throw new Error(`${error.message}; output:\n${this.output}`);
    });
    return Promise.race([printed, closed]);
  }

  /** Waits for the server's `listening` log line and returns its port. */
  async listening(timeoutMs = 120_000): Promise<number> {
    return (JSON.parse(await this.line('"event":"listening"', timeoutMs)) as { port: number }).port;
  }

  /** The lines of stdout and stderr that are JSON log records, parsed. */
  records(): Array<Record<string, unknown>> {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The processes of this command's tree that still exist (zombies included, with state `Z`). */
  tree(): TreeProcess[] {
    return processesMarked(this.mark);
  }

  /** Sends `signal` to the whole process group, as a terminal's Ctrl+C does. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal);
  }

  /** Kills whatever is left of the tree (for cleanup after a failed test). */
  killTree(): void {
    for (const { pid } of this.tree()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}

/** Every process whose environment holds `mark` (see CommandProcess). */
function processesMarked(mark: string): TreeProcess[] {
  const found: TreeProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`${MARK}=${mark}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), state, command });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return found;
}

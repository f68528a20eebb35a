import { TITLE_FIELD } from '../shared/documentFields';
import { type HocuspocusClient, hocuspocusClient } from './clients';

/** The longest a bystander waits for one answer; a longer wait is recorded as this long. */
const GIVE_UP_MS = 60_000;

/** What a bystander saw while it ran: every typing round trip and `/healthz` answer, in ms. */
export interface BystanderReport {
  /** From a keystroke to the server's durable acknowledgement of it. */
  typingMs: number[];
  /** From sending `GET /healthz` to its answer. */
  healthzMs: number[];
  /** `/healthz` answers other than 200, and requests that failed. */
  healthzFailures: string[];
  worstTypingMs: number;
  worstHealthzMs: number;
}

/**
 * Someone else using the server while a test attacks it: an editor types into its own document
 * (one keystroke at a time, each waiting for its durable acknowledgement) and a monitor asks
 * `/healthz` over and over (one request at a time). A stalled event loop delays both; `stop()`
 * says by how much at worst. Both start again right after each answer, with a short pause, so a
 * stall is measured from the moment it began to matter.
 */
export class Bystander {
  private readonly report: BystanderReport = { typingMs: [], healthzMs: [], healthzFailures: [], worstTypingMs: 0, worstHealthzMs: 0 };
  private running = true;
  /** Ends the round trips in flight when the bystander stops. */
  private readonly abandon = new AbortController();
  private readonly loops: Promise<void>[];

  private constructor(
    private readonly client: HocuspocusClient,
    httpUrl: string,
    pauseMs: number,
  ) {
    this.loops = [this.type(pauseMs), this.askHealth(httpUrl, pauseMs)];
  }

  /** Connects an editor to `document` with `token` and starts both loops. */
  static async start(options: { httpUrl: string; hocuspocusUrl: string; document: string; token: string; pauseMs?: number }): Promise<Bystander> {
    const client = hocuspocusClient(options.hocuspocusUrl, options.document, options.token);
    await client.synced();
    return new Bystander(client, options.httpUrl, options.pauseMs ?? 50);
  }

  /** What was seen so far. */
  get current(): BystanderReport {
    return this.since({ typingMs: [], healthzMs: [], healthzFailures: [], worstTypingMs: 0, worstHealthzMs: 0 });
  }

  /** What was seen after `earlier` (a report this bystander gave before). */
  since(earlier: BystanderReport): BystanderReport {
    const typingMs = this.report.typingMs.slice(earlier.typingMs.length);
    const healthzMs = this.report.healthzMs.slice(earlier.healthzMs.length);
    return {
      typingMs,
      healthzMs,
      healthzFailures: this.report.healthzFailures.slice(earlier.healthzFailures.length),
      worstTypingMs: Math.max(0, ...typingMs),
      worstHealthzMs: Math.max(0, ...healthzMs),
    };
  }

  /** Stops both loops (a round trip still waiting is abandoned, not recorded) and disconnects. */
  async stop(): Promise<BystanderReport> {
    this.running = false;
    this.abandon.abort();
    await Promise.all(this.loops);
    this.client.destroy();
    return this.current;
  }

  private async type(pauseMs: number): Promise<void> {
    const { provider, doc } = this.client;
    const text = doc.getText(TITLE_FIELD);
    while (this.running) {
      let onChange = (_: { number: number }) => {};
      let onAbandon = () => {};
      let timer: NodeJS.Timeout | undefined;
      const acknowledged = new Promise<void>((resolve) => {
        onChange = ({ number }) => {
          if (number === 0) resolve();
        };
        onAbandon = resolve;
        provider.on('unsyncedChanges', onChange);
        this.abandon.signal.addEventListener('abort', onAbandon);
        // A server that never answers is recorded as the longest wait, not waited for forever.
        timer = setTimeout(resolve, GIVE_UP_MS);
      });
      const started = performance.now();
      text.insert(text.length, 'x');
      await acknowledged;
      clearTimeout(timer);
      provider.off('unsyncedChanges', onChange);
      this.abandon.signal.removeEventListener('abort', onAbandon);
      if (!this.running) break;
      this.record('typingMs', 'worstTypingMs', performance.now() - started);
      await sleep(pauseMs);
    }
  }

  private async askHealth(httpUrl: string, pauseMs: number): Promise<void> {
    while (this.running) {
      const started = performance.now();
      try {
        const response = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.any([AbortSignal.timeout(GIVE_UP_MS), this.abandon.signal]) });
        await response.arrayBuffer();
        if (response.status !== 200) this.report.healthzFailures.push(`status ${response.status}`);
      } catch (error) {
        if (!this.running) break;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        this.report.healthzFailures.push(`${String(error)}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
      }
      this.record('healthzMs', 'worstHealthzMs', performance.now() - started);
      await sleep(pauseMs);
    }
  }

  private record(list: 'typingMs' | 'healthzMs', worst: 'worstTypingMs' | 'worstHealthzMs', ms: number): void {
    this.report[list].push(ms);
    this.report[worst] = Math.max(this.report[worst], ms);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

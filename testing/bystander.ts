import { TITLE_FIELD } from '../shared/documentFields';
import { type HocuspocusClient, hocuspocusClient } from './clients';

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
    return { ...this.report, typingMs: [...this.report.typingMs], healthzMs: [...this.report.healthzMs], healthzFailures: [...this.report.healthzFailures] };
  }

  /** Stops both loops (each finishes the round trip it is in) and disconnects. */
  async stop(): Promise<BystanderReport> {
    this.running = false;
    await Promise.all(this.loops);
    this.client.destroy();
    return this.current;
  }

  private async type(pauseMs: number): Promise<void> {
    const { provider, doc } = this.client;
    const text = doc.getText(TITLE_FIELD);
    while (this.running) {
      const acknowledged = new Promise<void>((resolve) => {
        const onChange = ({ number }: { number: number }) => {
          if (number !== 0) return;
          provider.off('unsyncedChanges', onChange);
          resolve();
        };
        provider.on('unsyncedChanges', onChange);
      });
      const started = performance.now();
      text.insert(text.length, 'x');
      await acknowledged;
      this.record('typingMs', 'worstTypingMs', performance.now() - started);
      await sleep(pauseMs);
    }
  }

  private async askHealth(httpUrl: string, pauseMs: number): Promise<void> {
    while (this.running) {
      const started = performance.now();
      try {
        const response = await fetch(`${httpUrl}/healthz`);
        await response.arrayBuffer();
        if (response.status !== 200) this.report.healthzFailures.push(`status ${response.status}`);
      } catch (error) {
        this.report.healthzFailures.push(String(error));
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

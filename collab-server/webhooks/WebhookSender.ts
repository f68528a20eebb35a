import { Counter, Gauge, type Registry } from 'prom-client';
import { SIGNATURE_HEADER, signWebhook } from '../../packages/node/src/webhookSignature';
import type { Logger } from '../logger';
import type { WebhookEvent } from './events';

export interface WebhookSenderOptions {
  urls: string[];
  secret: string;
  /** Attempts per event and URL before giving up. */
  maxAttempts: number;
  /** Wait before the first retry; it doubles with each attempt, up to `MAX_RETRY_DELAY_MS`. */
  retryMs: number;
  logger: Logger;
  /** The server's metrics registry. */
  registry: Registry;
  /** How long one attempt may take. */
  timeoutMs?: number;
  /** Attempts in flight at once, per URL. */
  maxConcurrent?: number;
  /** Deliveries waiting per URL (to be sent or retried); past it new ones are dropped and counted. */
  maxQueued?: number;
}

/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

interface Delivery {
  event: WebhookEvent;
  body: string;
  attempts: number;
}

interface Target {
  url: string;
  /** Label and log name: the URL's position in WEBHOOK_URLS and its origin (paths often hold secrets). */
  label: string;
  origin: string;
  ready: Delivery[];
  inFlight: number;
  retrying: Map<NodeJS.Timeout, Delivery>;
}

/**
 * Delivers webhook events: a signed POST of the event as JSON to every configured URL. `send`
 * only queues, so nothing that calls it waits for a receiver. A delivery succeeds on any 2xx
 * answer; anything else (error, timeout, redirect, other status) is retried with exponential
 * backoff and jitter, up to `maxAttempts`. Every failed attempt is logged and counted; the
 * deliveries still waiting are in memory only, and dropped (and logged) when the server stops.
 */
export class WebhookSender {
  private readonly targets: Target[];
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private readonly deliveries: Counter<'event' | 'target' | 'outcome'>;
  private readonly attemptFailures: Counter<'event' | 'target'>;
  private readonly pending: Gauge;

  constructor(private readonly options: WebhookSenderOptions) {
    this.targets = options.urls.map((url, index) => ({
      url,
      label: String(index),
      origin: new URL(url).origin,
      ready: [],
      inFlight: 0,
      retrying: new Map(),
    }));
    const registers = [options.registry];
    this.deliveries = new Counter({
      name: 'collab_webhook_deliveries_total',
      help: 'Webhook deliveries by event, target (index in WEBHOOK_URLS) and outcome: delivered, failed (gave up after retrying) or dropped (queue full or shutting down)',
      labelNames: ['event', 'target', 'outcome'],
      registers,
    });
    this.attemptFailures = new Counter({
      name: 'collab_webhook_attempt_failures_total',
      help: 'Failed webhook delivery attempts (each is retried until WEBHOOK_MAX_ATTEMPTS)',
      labelNames: ['event', 'target'],
      registers,
    });
    this.pending = new Gauge({ name: 'collab_webhook_pending', help: 'Webhook deliveries queued, in flight or waiting to be retried', registers });
  }

  /** Queues `event` for every URL. Never throws and never waits. */
  send(event: WebhookEvent): void {
    const body = JSON.stringify(event);
    const maxQueued = this.options.maxQueued ?? 10_000;
    for (const target of this.targets) {
      if (this.closed || target.ready.length + target.retrying.size >= maxQueued) {
        this.deliveries.inc({ event: event.type, target: target.label, outcome: 'dropped' });
        this.options.logger.error(
          { event: event.type, delivery: event.id, target: target.origin },
          this.closed ? 'webhook not sent: the server is stopping' : `webhook dropped: ${maxQueued} deliveries already wait for this receiver`,
        );
        continue;
      }
      target.ready.push({ event, body, attempts: 0 });
      this.pending.inc();
      this.pump(target);
    }
  }

  /**
   * Stops: deliveries waiting for a retry are dropped (and logged); attempts in flight, and
   * those queued behind them, get up to `graceMs` to finish.
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    let dropped = 0;
    for (const target of this.targets) {
      for (const [timer, delivery] of target.retrying) {
        clearTimeout(timer);
        this.finish(target, delivery, 'dropped');
        dropped += 1;
      }
      target.retrying.clear();
    }
    if (dropped > 0) this.options.logger.warn({ deliveries: dropped }, 'webhook deliveries still being retried are dropped at shutdown');
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => setTimeout(resolve, deadline - Date.now()).unref())]);
    }
    const unsent = this.targets.reduce((sum, target) => sum + target.ready.length, 0);
    for (const target of this.targets) {
      for (const delivery of target.ready.splice(0)) this.finish(target, delivery, 'dropped');
    }
    if (unsent > 0) this.options.logger.warn({ deliveries: unsent }, 'webhook deliveries not sent before shutdown are dropped');
  }

  private pump(target: Target): void {
    const maxConcurrent = this.options.maxConcurrent ?? 8;
    while (target.inFlight < maxConcurrent && target.ready.length > 0) {
      const delivery = target.ready.shift() as Delivery;
      target.inFlight += 1;
      const run: Promise<void> = this.attempt(target, delivery).finally(() => {
        target.inFlight -= 1;
        this.running.delete(run);
        this.pump(target);
      });
      this.running.add(run);
    }
  }

  private async attempt(target: Target, delivery: Delivery): Promise<void> {
    const { logger, maxAttempts } = this.options;
    delivery.attempts += 1;
    const problem = await this.post(target, delivery);
    const context = { event: delivery.event.type, delivery: delivery.event.id, target: target.origin, attempt: delivery.attempts };
    if (problem === null) {
      if (delivery.attempts > 1) logger.info(context, 'webhook delivered after retrying');
      this.finish(target, delivery, 'delivered');
      return;
    }
    this.attemptFailures.inc({ event: delivery.event.type, target: target.label });
    if (delivery.attempts >= maxAttempts || this.closed) {
      logger.error({ ...context, problem }, `webhook delivery failed for good after ${delivery.attempts} attempt(s)`);
      this.finish(target, delivery, 'failed');
      return;
    }
    const delay = this.retryDelay(delivery.attempts);
    logger.warn({ ...context, problem, retryInMs: delay }, 'webhook delivery failed; it will be retried');
    const timer = setTimeout(() => {
      target.retrying.delete(timer);
      target.ready.push(delivery);
      this.pump(target);
    }, delay);
    timer.unref();
    target.retrying.set(timer, delivery);
  }

  /** One POST; null when the receiver accepted it, otherwise what went wrong. */
  private async post(target: Target, delivery: Delivery): Promise<string | null> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Quire-Webhooks/1',
          'quire-event': delivery.event.type,
          'quire-delivery': delivery.event.id,
          'quire-attempt': String(delivery.attempts),
          [SIGNATURE_HEADER]: signWebhook(this.options.secret, delivery.body),
        },
        body: delivery.body,
        // A redirect is a misconfigured URL; following it would send signed events elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? null : `the receiver answered ${response.status}`;
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    }
  }

  /** Exponential backoff with ±20% jitter, so receivers that come back are not hit all at once. */
  private retryDelay(attempts: number): number {
    const base = Math.min(MAX_RETRY_DELAY_MS, this.options.retryMs * 2 ** Math.min(attempts - 1, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private finish(target: Target, delivery: Delivery, outcome: 'delivered' | 'failed' | 'dropped'): void {
    this.deliveries.inc({ event: delivery.event.type, target: target.label, outcome });
    this.pending.dec();
  }
}

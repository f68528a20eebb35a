import { EMBED_PROTOCOL_VERSION, type EmbedEventDetail, type EmbedEventName, type EmbedMessage, type EmbedTheme, isEmbedMessage } from '../../embed/protocol';

/** What the host page can ask of the embed page. */
export interface HostRequests {
  /** The first token arrived (with the host's options): the editor can connect. */
  onInit(token: string, options: { readOnly?: boolean; theme?: EmbedTheme }): void;
  onOptions(options: { readOnly?: boolean; theme?: EmbedTheme }): void;
  /** The document's content in `format`, or null while there is no editor yet. */
  getContent(format: 'json' | 'html' | 'text'): string | null;
}

/** How long to wait for the host to answer a token request. */
export const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

/**
 * The embed page's side of the `postMessage` protocol (see `embed/protocol.ts`). It talks only to
 * `window.parent`: the first `quire:init` fixes the host's origin, messages from any other
 * origin are ignored from then on, and everything the page sends goes to that origin only.
 */
export class HostBridge {
  private hostOrigin: string | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (token: string) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly document: string,
    private readonly requests: HostRequests,
  ) {}

  /** Starts listening and tells the parent the page is ready for its token. */
  start(): void {
    window.addEventListener('message', this.onMessage);
    // The hello carries nothing secret, and the host's origin is not known before its answer.
    window.parent.postMessage({ type: 'quire:hello', protocol: EMBED_PROTOCOL_VERSION, document: this.document } satisfies EmbedMessage, '*');
  }

  stop(): void {
    window.removeEventListener('message', this.onMessage);
    for (const { reject, timer } of this.waiting.values()) {
      clearTimeout(timer);
      reject(new Error('the embed page was closed'));
    }
    this.waiting.clear();
  }

  /** Asks the host for a fresh token (for a reconnection). */
  requestToken(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the host page gave no token within ${TOKEN_REQUEST_TIMEOUT_MS / 1000} s`));
      }, TOKEN_REQUEST_TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
      this.send({ type: 'quire:token-request', id });
    });
  }

  /** Tells the host about an event. */
  emit<E extends EmbedEventName>(event: E, detail: EmbedEventDetail[E]): void {
    this.send({ type: 'quire:event', event, detail });
  }

  /** Tells the host how tall the content is (for height "auto"). */
  resize(height: number): void {
    this.send({ type: 'quire:resize', height });
  }

  private send(message: EmbedMessage): void {
    if (this.hostOrigin) window.parent.postMessage(message, this.hostOrigin);
  }

  private onMessage = (event: MessageEvent): void => {
    if (event.source !== window.parent || !isEmbedMessage(event.data)) return;
    const message = event.data;
    if (this.hostOrigin === null) {
      if (message.type !== 'quire:init') return;
      this.hostOrigin = event.origin;
    } else if (event.origin !== this.hostOrigin) {
      return;
    }
    switch (message.type) {
      case 'quire:init':
        if (typeof message.token === 'string' && message.token) this.requests.onInit(message.token, { readOnly: message.readOnly, theme: message.theme });
        break;
      case 'quire:token': {
        const waiter = this.waiting.get(message.id);
        if (!waiter) break;
        this.waiting.delete(message.id);
        clearTimeout(waiter.timer);
        if (typeof message.token === 'string' && message.token) waiter.resolve(message.token);
        else waiter.reject(new Error(message.error || 'the host page gave no token'));
        break;
      }
      case 'quire:options':
        this.requests.onOptions({ readOnly: message.readOnly, theme: message.theme });
        break;
      case 'quire:get-content': {
        const content = ['json', 'html', 'text'].includes(message.format) ? this.requests.getContent(message.format) : null;
        this.send(
          content === null
            ? { type: 'quire:content', id: message.id, error: `cannot give the content as ${String(message.format)} now` }
            : { type: 'quire:content', id: message.id, content },
        );
        break;
      }
    }
  };
}

import { ClientSocket } from './ClientSocket';
import { MessageType } from './frames';

/** A socket speaking the Hocuspocus protocol (`/collab`): frames pass through unchanged. */
export class HocuspocusSocket extends ClientSocket {
  protected translate(data: Uint8Array): Uint8Array[] {
    return [data];
  }

  send(data: Uint8Array): void {
    // Only auth frames need a closer look; names under 128 bytes let us read the type directly.
    const length = data[0];
    if (length >= 128 || data[1 + length] === MessageType.Auth) {
      try {
        this.observeAuthFrame(data);
      } catch {
        // Not an auth frame after all (a long name); nothing to observe.
      }
    }
    this.sendInOrder(data, data);
  }
}

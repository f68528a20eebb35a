import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * Who a request comes from. Without trusted proxies that is the TCP peer; behind a reverse proxy
 * every request has the proxy as its peer, so the proxy's `X-Forwarded-For` is believed, and only
 * from the proxies listed in `TRUST_PROXY`: the client address is then the right-most entry that
 * is not itself a trusted proxy (entries left of it were written by the client and prove
 * nothing). A forwarding header from any other peer is ignored. (`proxy-addr`, as Express uses it.)
 */
export class ClientAddresses {
  private readonly trusted: (address: string, hop: number) => boolean;

  /** `trustProxy`: addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`. Throws on an entry that is none of these. */
  constructor(trustProxy: readonly string[]) {
    this.trusted = proxyAddr.compile([...trustProxy]);
  }

  /** The client's address, for limits and logs. */
  of(request: IncomingMessage): string {
    if (!request.socket.remoteAddress) return 'unknown';
    return proxyAddr(request, this.trusted);
  }

  /** True when the request's peer is a trusted proxy, so its `X-Forwarded-Host` and `-Proto` may be believed. */
  viaTrustedProxy(request: IncomingMessage): boolean {
    const peer = request.socket.remoteAddress;
    return peer !== undefined && this.trusted(peer, 0);
  }
}

/** Why `entry` cannot be a `TRUST_PROXY` entry, or null when it can. */
export function trustProxyProblem(entry: string): string | null {
  try {
    proxyAddr.compile(entry);
    return null;
  } catch {
    return `TRUST_PROXY entries must be addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal; got "${entry}"`;
  }
}

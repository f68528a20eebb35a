/** Listening on one of these accepts connections on every interface of the machine. */
const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '']);

/** The address to open in a browser, and a note on who else can reach it. */
export interface AddressToOpen {
  /** `http://localhost:3000`, or null when the port is 0 (chosen only when the server listens). */
  url: string | null;
  /** Empty, or a parenthesis beginning with a space, to append to the sentence naming the URL. */
  note: string;
}

/**
 * What a person should open for a server listening on `host` and `port`: `localhost` for the
 * loopback and wildcard addresses, the host itself otherwise (IPv6 in brackets). The note says
 * that a loopback address is reachable from this machine only, since that is what makes a shared
 * link fail for others.
 */
export function addressToOpen(host: string, port: number): AddressToOpen {
  const everywhere = EVERY_INTERFACE.has(host);
  const loopbackOnly = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const shown = everywhere || host === '127.0.0.1' || host === 'localhost' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const note = everywhere
    ? " (other machines use this machine's address)"
    : loopbackOnly
      ? ' (from this machine only; HOST=0.0.0.0 or a reverse proxy lets others in)'
      : '';
  return { url: port === 0 ? null : `http://${shown}:${port}`, note };
}

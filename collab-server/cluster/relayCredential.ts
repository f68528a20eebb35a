import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** The header a node sends with a connection it relays to a document's owner. */
export const RELAY_HEADER = 'x-quire-relay';

const AUDIENCE = 'quire-relay';
const LIFETIME_SECONDS = 60;

/** What a relay credential vouches for. */
export interface Relayed {
  /** The node that relayed the connection. */
  node: string;
  /** The address of the client the connection came from, as that node saw it. */
  clientAddress: string;
}

/**
 * The key of relay credentials: derived from `AUTH_SECRET`, so every node of a cluster has it, but
 * not the token key itself: a relay credential never passes as a user's token, nor a token as one.
 */
function keyOf(secret: string): Uint8Array {
  return createHash('sha256').update(`quire relay credential\u0000${secret}`).digest();
}

/**
 * The credential a node sends to another with a relayed connection (node-to-node only; never
 * logged): it proves the connection comes from a node of the cluster, so the owner takes the
 * client's address from it (for its per-address limits and logs) and never relays it again.
 */
export function relayCredential(secret: string, relayed: Relayed): Promise<string> {
  return new SignJWT({ node: relayed.node, addr: relayed.clientAddress })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setExpirationTime(Math.floor(Date.now() / 1000) + LIFETIME_SECONDS)
    .sign(keyOf(secret));
}

/** What a relay credential vouches for, or null when it is missing, forged or expired. */
export async function verifyRelayCredential(secret: string, credential: string | string[] | undefined): Promise<Relayed | null> {
  if (typeof credential !== 'string' || credential.length === 0 || credential.length > 2048) return null;
  try {
    const { payload } = await jwtVerify(credential, keyOf(secret), { algorithms: ['HS256'], audience: AUDIENCE, requiredClaims: ['exp'] });
    if (typeof payload.node !== 'string' || typeof payload.addr !== 'string') return null;
    return { node: payload.node, clientAddress: payload.addr };
  } catch {
    return null;
  }
}

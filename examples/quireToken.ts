import { SignJWT } from 'jose';

/**
 * Mints a Quire collab token for one user and one document: what your backend does before it
 * shows an embedded editor. `secret` is the Quire server's AUTH_SECRET (keep it on the server).
 * The editor asks for a fresh token before this one expires (`lifetimeSeconds`, ten minutes).
 */
export async function quireToken(
  secret: string,
  user: { id: string; name: string },
  document: string,
  role: 'viewer' | 'editor' = 'editor',
  lifetimeSeconds = 600,
): Promise<string> {
  return new SignJWT({ name: user.name, doc: document, role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(new TextEncoder().encode(secret));
}

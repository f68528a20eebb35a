import { errors, jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role } from './roles';

// What a role allows, apart from the signing, so browser code can use it without jose.
export { canComment, canWrite, colorFor, ROLES, type Role } from './roles';

/**
 * The collab token: a JWT signed with HS256 and the server's `AUTH_SECRET`. A backend that embeds
 * the editor mints one per user and document; the app mints one when a share link is opened.
 *
 * Claims: `sub` (stable user id), `name` (shown to others), `doc` (one document name, or `*`),
 * `role` (`viewer` | `commenter` | `editor` | `admin`), `exp` (seconds since the epoch), and on tokens the server
 * mints for a share link, `link`: which link (`kind`) and which of its secrets (`generation`).
 */

export interface TokenClaims {
  sub: string;
  name: string;
  doc: string;
  role: Role;
  exp: number;
  /** The share link a token was minted for: a reset of that link ends it (see `LinkClaim`). */
  link?: LinkClaim;
  /** Set on tokens the server mints for a signed-in member of a document: removing them ends it (`MemberAccessExtension`). */
  member?: true;
}

/** Which share link, and which of its secrets (by generation, and by an id no other secret has), a token was minted from. */
export interface LinkClaim {
  kind: string;
  generation: number;
  id: string;
}

/** Why a token was not accepted. */
export class TokenError extends Error {
  constructor(
    readonly kind: 'missing' | 'invalid' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

const ALGORITHM = 'HS256';

/** The shortest secret accepted: HS256 wants at least 256 bits of key. */
export const MIN_SECRET_LENGTH = 32;

const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The HMAC key for `secret`, imported once: jose would otherwise import the raw bytes again on
 * every sign and verify, which was most of the cost of checking a token.
 */
function keyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

/** Signs a token valid for `expiresInSeconds` (default one hour). */
export async function mintToken(secret: string, claims: Omit<TokenClaims, 'exp'>, expiresInSeconds = 3600): Promise<string> {
  const link = claims.link ? { link: { kind: claims.link.kind, generation: claims.link.generation, id: claims.link.id } } : {};
  const member = claims.member ? { member: true } : {};
  return new SignJWT({ name: claims.name, doc: claims.doc, role: claims.role, ...link, ...member })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(await keyOf(secret));
}

/** Verifies signature, expiry and claim shapes; throws `TokenError` otherwise. */
export async function verifyToken(secret: string, token: string | null | undefined): Promise<TokenClaims> {
  if (!token) throw new TokenError('missing', 'no token was presented');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await keyOf(secret), { algorithms: [ALGORITHM], requiredClaims: ['exp', 'sub'] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new TokenError('expired', 'the token has expired');
    throw new TokenError('invalid', 'the token is not valid (bad signature, algorithm or format)');
  }
  const { sub, name, doc, role, exp } = payload;
  if (typeof sub !== 'string' || sub.length === 0) throw new TokenError('invalid', 'the token has no "sub" claim');
  if (typeof doc !== 'string' || doc.length === 0) throw new TokenError('invalid', 'the token has no "doc" claim');
  if (!ROLES.includes(role as Role)) throw new TokenError('invalid', `the token's "role" must be one of ${ROLES.join(', ')}`);
  const link = linkClaimOf(payload);
  const member = payload.member === true ? { member: true as const } : {};
  return { sub, name: typeof name === 'string' && name ? name : sub, doc, role: role as Role, exp: exp as number, ...(link ? { link } : {}), ...member };
}

/** The `link` claim of a token's payload; undefined without one; throws `TokenError` for a malformed one. */
export function linkClaimOf(payload: Record<string, unknown>): LinkClaim | undefined {
  const { link } = payload;
  if (link === undefined) return undefined;
  const { kind, generation, id } = (link ?? {}) as Record<string, unknown>;
  const valid = (text: unknown): text is string => typeof text === 'string' && text.length > 0 && text.length <= 32;
  if (!valid(kind) || !valid(id) || !Number.isSafeInteger(generation) || (generation as number) < 1) {
    throw new TokenError('invalid', 'the token\'s "link" claim must be { kind, generation, id }');
  }
  return { kind, generation: generation as number, id };
}

/** True when the token's `doc` claim covers `documentName`. */
export function coversDocument(claims: Pick<TokenClaims, 'doc'>, documentName: string): boolean {
  return claims.doc === '*' || claims.doc === documentName;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { coversDocument, ROLES, type Role, type TokenClaims, TokenError, verifyToken } from '../../shared/token';
import { HttpError } from './Router';

/**
 * Bearer-token authorization for the content API: the same JWT the WebSocket endpoints take
 * (`shared/token.ts`). A `viewer` may read its document, an `editor` may also write it, an `admin`
 * may also create and delete; the token's `doc` claim must cover the document (`*` covers all).
 */

/**
 * The verified claims of the request's `Authorization: Bearer <token>`; a 401 otherwise, with a
 * `WWW-Authenticate` challenge saying why. The token itself is never echoed or logged. Tokens the
 * app minted from share links are refused unless `linkTokens` (the caller then checks the link),
 * and those minted for a signed-in member unless `memberTokens` (the caller then checks their access).
 */
export async function bearerClaims(
  request: IncomingMessage,
  response: ServerResponse,
  secret: string,
  { linkTokens = false, memberTokens = false } = {},
): Promise<TokenClaims> {
  const header = request.headers.authorization;
  const refuse = (error: 'invalid_request' | 'invalid_token', message: string): never => {
    response.setHeader('www-authenticate', `Bearer realm="quire", error="${error}"`);
    throw new HttpError(401, message);
  };
  if (!header) return refuse('invalid_request', 'no token: send the header "Authorization: Bearer <token>"');
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i.exec(header);
  if (!match) return refuse('invalid_request', 'the Authorization header must be "Bearer <token>"');
  let claims: TokenClaims;
  try {
    claims = await verifyToken(secret, match[1]);
  } catch (error) {
    if (error instanceof TokenError) return refuse('invalid_token', error.message);
    throw error;
  }
  // A token minted for a share link opens the document in the app, where each connection checks
  // that the link was not reset since; it is no credential for the API.
  if (claims.link && !linkTokens)
    return refuse('invalid_token', 'this token was minted for a share link and opens the document in the app only; the API needs a token from your backend');
  // Nor is a token minted for a signed-in member: removing their access must end all of it.
  if (claims.member && !memberTokens) return refuse('invalid_token', 'this token was minted for a signed-in member and opens the document in the app only');
  return claims;
}

/** Throws 403 unless `claims` has at least `role` and, when `documentName` is given, covers it. */
export function requireRole(claims: TokenClaims, role: Role, documentName?: string): void {
  if (ROLES.indexOf(claims.role) < ROLES.indexOf(role)) {
    throw new HttpError(403, `this needs a token with the "${role}" role${role === 'admin' ? '' : ' or higher'}; this token has "${claims.role}"`);
  }
  if (documentName !== undefined && !coversDocument(claims, documentName)) {
    throw new HttpError(403, `this token is for document ${JSON.stringify(claims.doc)}, not ${JSON.stringify(documentName)}`);
  }
}

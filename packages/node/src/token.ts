// Tokens are minted and checked by the server with this same code (`shared/token.ts`); the
// package publishes it for backends, so what they sign is exactly what the server verifies.
export { mintToken, ROLES, type Role, type TokenClaims, TokenError, verifyToken } from '../../../shared/token';

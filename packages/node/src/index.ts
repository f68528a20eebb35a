/**
 * `@quire/node`: what a backend needs to build on a Quire server: tokens for its users, the
 * content API, and webhook signature checks.
 */
export {
  type DocumentDescription,
  type EventPerson,
  EXPORT_FORMATS,
  type ExportFormat,
  type ImportFormat,
  type WebhookEvent,
  type WebhookEventType,
} from './apiTypes';
export { type ContentWrite, type CreateDocument, type DocumentContent, type DocumentPage, QuireApiError, QuireClient, type QuireClientOptions } from './client';
export { mintToken, ROLES, type Role, type TokenClaims, TokenError, verifyToken } from './token';
export { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhookSignature';

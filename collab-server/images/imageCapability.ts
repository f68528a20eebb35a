import { createHmac } from 'node:crypto';

/** The document property holding the key image addresses are derived from (see `capabilityOf`). */
export const IMAGE_KEY_PROPERTY = 'images.key';

/** The capability in the address of image `hash` of the document whose image key is `key`: 132 bits of an HMAC-SHA256. */
export function capabilityOf(key: string, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('base64url').slice(0, 22);
}

/** A size as a person reads it: KB below a megabyte, else MB with one decimal. */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * The cryptography of share links, all from `node:crypto`.
 *
 * A link secret is 128 random bits. The server keeps only its SHA-256: a fast hash is enough,
 * because nobody can guess a 128-bit random value however fast they hash (slow KDFs such as
 * scrypt exist for passwords, which people choose from a small space). Verifying a link needs
 * nothing more than the hash.
 *
 * So that a link holder can still be shown the document's lesser links (the edit link's holder
 * copies the view link from the Share dialog), every link has an X25519 key pair: the public key
 * in clear, the private key encrypted (AES-256-GCM) under a key derived (HKDF-SHA-256) from the
 * link's own secret. A lesser link's secret is sealed to each greater link's public key
 * (ephemeral X25519, HKDF, AES-256-GCM). Anyone may seal, so whoever resets the view link, even a
 * backend with a token, seals the new secret for the edit link's holders; only a request
 * carrying the edit secret can open it. What is stored, and so every backup, holds nothing that
 * opens the document without a link secret. Every ciphertext is bound (as GCM's additional data)
 * to the document, the link kind and the purpose, so none can be moved to another place.
 */

/** Bytes of randomness in a link secret. */
export const SECRET_BYTES = 16;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const X25519_BYTES = 32;

/** A new link secret: 128 random bits, base64url (fits a URL fragment as it is). */
export function newLinkSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** The stored form of a secret: its SHA-256, base64url. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** True when `secret` hashes to `hash`; constant-time, so timing reveals nothing about the hash. */
export function secretMatches(secret: string, hash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'base64url');
  const expected = Buffer.from(hash, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A link's key pair: the public key (raw, base64url) and the private key encrypted under the link's secret. */
export interface LinkKeys {
  publicKey: string;
  privateKey: string;
}

/** A new key pair for a link whose secret is `secret`; `context` binds the encrypted private key to its place. */
export function newLinkKeys(secret: string, context: string): LinkKeys {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  return {
    publicKey: publicKey.export({ format: 'jwk' }).x as string,
    privateKey: encrypt(secretKey(secret, context), raw, context).toString('base64url'),
  };
}

/** The private key of a link, opened with its secret; null when `secret` does not open it. */
export function openPrivateKey(secret: string, keys: LinkKeys, context: string): KeyObject | null {
  const raw = decrypt(secretKey(secret, context), Buffer.from(keys.privateKey, 'base64url'), context);
  if (!raw) return null;
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: keys.publicKey, d: raw.toString('base64url') }, format: 'jwk' });
}

/** `text` sealed to the holder of `publicKey` (raw, base64url): only its private key opens it. */
export function sealTo(publicKey: string, text: string, context: string): string {
  const recipient = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey }, format: 'jwk' });
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralPublic = Buffer.from(ephemeral.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const key = sealKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), ephemeralPublic, publicKey, context);
  return Buffer.concat([ephemeralPublic, encrypt(key, Buffer.from(text, 'utf8'), context)]).toString('base64url');
}

/** Opens what `sealTo` sealed for `privateKey`; null when it was sealed for another key, or altered. */
export function openSealed(privateKey: KeyObject, sealed: string, context: string): string | null {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < X25519_BYTES + IV_BYTES + TAG_BYTES) return null;
  const ephemeralPublic = bytes.subarray(0, X25519_BYTES);
  const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: ephemeralPublic.toString('base64url') }, format: 'jwk' });
  const ownPublic = createPublicKey(privateKey).export({ format: 'jwk' }).x as string;
  const key = sealKey(diffieHellman({ privateKey, publicKey: ephemeral }), ephemeralPublic, ownPublic, context);
  return decrypt(key, bytes.subarray(X25519_BYTES), context)?.toString('utf8') ?? null;
}

function secretKey(secret: string, context: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `quire link private key\0${context}`, 32));
}

function sealKey(shared: Buffer, ephemeralPublic: Buffer, recipientPublic: string, context: string): Buffer {
  const salt = Buffer.concat([ephemeralPublic, Buffer.from(recipientPublic, 'base64url')]);
  return Buffer.from(hkdfSync('sha256', shared, salt, `quire link seal\0${context}`, 32));
}

/** AES-256-GCM: iv, ciphertext and tag in one buffer. */
function encrypt(key: Buffer, plaintext: Buffer, context: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function decrypt(key: Buffer, data: Buffer, context: string): Buffer | null {
  if (data.length < IV_BYTES + TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

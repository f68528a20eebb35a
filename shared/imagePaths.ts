/**
 * The addresses of images stored by the server: `/images/<document>/<hash>.<capability>`, a path
 * on the server's own origin (an image's `src` in a document is this path, relative, so it works
 * under whatever host name the server is reached by). `<hash>` is the SHA-256 of the file, and
 * `<capability>` an unguessable code the server derives from it and a key of the document: the
 * address is the permission to load the image, as a share link is to open the document.
 */

/** The path prefix of stored images. */
export const IMAGE_PATH_PREFIX = '/images/';

/** The file part of an image address: the hash (64 hex digits), a dot, the capability (22 base64url characters). */
const IMAGE_FILE = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{22})$/;

/** The address of image `hash` of document `name`, carrying `capability`. */
export function imagePath(name: string, hash: string, capability: string): string {
  return `${IMAGE_PATH_PREFIX}${encodeURIComponent(name)}/${hash}.${capability}`;
}

/** The hash and capability in the file part of an image address, or null when it is not one. */
export function parseImageFile(file: string): { hash: string; capability: string } | null {
  const match = IMAGE_FILE.exec(file);
  return match ? { hash: match[1], capability: match[2] } : null;
}

/**
 * The document and hash of a stored image's address (its path, or a URL with that path on any
 * host: an export makes them absolute), or null when `src` is not one.
 */
export function storedImageOf(src: string): { document: string; hash: string } | null {
  let path = src;
  if (!src.startsWith('/')) {
    if (!/^https?:\/\//i.test(src) || !URL.canParse(src)) return null;
    path = new URL(src).pathname;
  }
  path = path.split(/[?#]/, 1)[0];
  if (!path.startsWith(IMAGE_PATH_PREFIX)) return null;
  const [name, file, ...rest] = path.slice(IMAGE_PATH_PREFIX.length).split('/');
  const parsed = parseImageFile(file ?? '');
  if (rest.length > 0 || !name || !parsed) return null;
  try {
    return { document: decodeURIComponent(name), hash: parsed.hash };
  } catch {
    return null;
  }
}

/** `src` made absolute against `base` (the server's origin) when it is a path of that origin; other addresses as they are. */
export function absoluteImageSrc(src: string, base: string | undefined): string {
  // A path only: "//host" and "/\\host" are other origins, as a browser reads them.
  if (!base || !/^\/(?![/\\])/.test(src)) return src;
  return new URL(src, base).href;
}

/**
 * Sending an image file to the Quire server (`POST /api/docs/<name>/images`), with progress and a
 * message a person can act on when it is refused: too large, not an image the server stores, no
 * access, or offline. Uploading needs the connection: an image is never kept on the device to be
 * sent later (the document would hold a broken image for everyone else meanwhile), so offline the
 * person is told to add it once back online.
 */

/** The types the server stores (it reads the type from the file's bytes; these are what browsers call them). */
export const UPLOADABLE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

/** Where and as whom to upload: the document's image endpoint, and a fresh token for it. */
export interface ImageUploadTarget {
  url: string;
  token: () => Promise<string>;
}

/** What the server stored: the image's address (a path of the server, for `src`) and its size in pixels. */
export interface UploadedImage {
  src: string;
  width: number;
  height: number;
}

/** An upload that did not store the image; the message says why, for the person who tried. */
export class ImageUploadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageUploadError';
  }
}

/** The path of the image endpoint of document `name`. */
export function imageUploadPath(name: string): string {
  return `/api/docs/${encodeURIComponent(name)}/images`;
}

/** Why `file` cannot be uploaded, judged before sending it (its type as the browser names it); null when it may be tried. */
export function refusalOf(file: File): string | null {
  if (file.type === 'image/svg+xml') return `“${file.name}” was not added: SVG images can carry scripts, so they are not accepted. Save it as PNG first.`;
  if (!(UPLOADABLE_TYPES as readonly string[]).includes(file.type)) return `“${file.name}” was not added: only PNG, JPEG, GIF and WebP images can be added.`;
  return null;
}

/** Uploads `file`; `onProgress` hears the fraction sent (0–1). Throws `ImageUploadError` with the reason. */
export async function uploadImage(target: ImageUploadTarget, file: File, onProgress?: (fraction: number) => void): Promise<UploadedImage> {
  const name = file.name || 'The image';
  const offline = () => new ImageUploadError(`“${name}” was not added: you are offline. Add it again once the connection is back.`);
  if (typeof navigator !== 'undefined' && navigator.onLine === false) throw offline();
  let token: string;
  try {
    token = await target.token();
  } catch {
    throw new ImageUploadError(`“${name}” was not added: the server could not confirm your access to this document.`);
  }
  return new Promise<UploadedImage>((resolve, reject) => {
    // XMLHttpRequest rather than fetch: it reports upload progress.
    const request = new XMLHttpRequest();
    request.open('POST', target.url);
    request.setRequestHeader('authorization', `Bearer ${token}`);
    request.setRequestHeader('content-type', file.type);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    };
    request.onload = () => {
      let body: { error?: string; src?: string; width?: number; height?: number } = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // Not JSON: a proxy's error page, say.
      }
      if (request.status === 201 && typeof body.src === 'string') {
        resolve({ src: body.src, width: body.width ?? 0, height: body.height ?? 0 });
        return;
      }
      const reason = body.error ?? `the server answered ${request.status}`;
      reject(new ImageUploadError(`“${name}” was not added: ${reason}.`));
    };
    request.onerror = () => reject(navigator.onLine === false ? offline() : new ImageUploadError(`“${name}” was not added: the server could not be reached.`));
    request.send(file);
  });
}

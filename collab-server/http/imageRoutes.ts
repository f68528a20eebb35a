import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IMAGE_PATH_PREFIX } from '../../shared/imagePaths';
import { type ImageService, RetryLater, type StoredImage } from '../images/ImageService';
import { IMAGE_EXTENSIONS, isImageType } from '../images/imageFormat';
import type { ShareLinks } from '../links/ShareLinks';
import type { ClientAddresses } from '../net/ClientAddresses';
import { bearerClaims, requireRole } from './apiAuth';
import { API_PREFIX, asHttpError } from './apiRoutes';
import { originOf } from './linkDescriptions';
import { HttpError, type Router, sendJson } from './Router';
import { CONTENT_POLICY } from './securityHeaders';

export interface ImageRoutesOptions {
  images: ImageService;
  authSecret: string;
  /** Whether the share link a token of the app was minted from still holds (a reset link uploads nothing). */
  links: Pick<ShareLinks, 'isCurrent'>;
  addresses: Pick<ClientAddresses, 'of' | 'viaTrustedProxy'>;
  /** ALLOWED_ORIGINS: other sites whose editors (`<QuireEditor>`) may upload from the browser. */
  allowedOrigins: readonly string[];
  /** Workspace mode: whether `userId` may still edit `name` (a member's token uploads only while they may). */
  memberMayEdit?: (name: string, userId: string) => Promise<boolean>;
}

/**
 * Images stored by the server (`ImageService`):
 *
 *   POST /api/docs/<name>/images      editor   upload one image: the file as the body, its type as
 *                                             Content-Type, its size as Content-Length → 201 { src, url, … }
 *   GET  /api/docs/<name>/images      viewer   the document's stored images, with their addresses
 *   GET  /images/<name>/<hash>.<cap>  anyone with the address: the image
 *
 * Uploads take a token of the content API, one the app minted from an edit link (the link must
 * not have been reset since) or one minted for a signed-in editor (who must still be one). An image is served as what its bytes are, never as what it was
 * called, and as data that runs nothing: `Content-Type` from the bytes, `nosniff`, a sandboxing
 * policy, an attachment-free `inline` name of its own. Its address is unguessable and never
 * changes for the same bytes, so it is cached for a year (privately: the address is a credential);
 * other sites may embed it (`Cross-Origin-Resource-Policy: cross-origin`), since only whoever was
 * given the address can load it anyway.
 */
export function addImageRoutes(router: Router, options: ImageRoutesOptions): void {
  const { images, authSecret } = options;
  const uploadPath = `${API_PREFIX}/:name/images`;

  router.add('OPTIONS', uploadPath, async (request, response) => {
    const origin = allowedOrigin(request, options.allowedOrigins);
    if (!origin) throw new HttpError(403, 'this origin may not upload images here (ALLOWED_ORIGINS)');
    response.writeHead(204, {
      ...corsHeaders(origin),
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
    });
    response.end();
  });

  router.add('POST', uploadPath, async (request, response, { name }) => {
    const origin = allowedOrigin(request, options.allowedOrigins);
    if (origin) for (const [header, value] of Object.entries(corsHeaders(origin))) response.setHeader(header, value);
    try {
      const claims = await bearerClaims(request, response, authSecret, { linkTokens: true, memberTokens: true });
      requireRole(claims, 'editor', name);
      if (claims.member && !(await options.memberMayEdit?.(name, claims.sub))) {
        throw new HttpError(403, 'your access to this document was removed or lowered, so you can no longer add images to it');
      }
      if (claims.link && !(await options.links.isCurrent(name, claims.link))) {
        throw new HttpError(403, 'this link was reset or has expired, so it no longer adds images to the document');
      }
      const length = request.headers['content-length'];
      const image = await images.upload({
        name,
        declaredType: request.headers['content-type'],
        length: length === undefined ? undefined : Number(length),
        body: request,
        address: options.addresses.of(request),
        user: claims.sub,
      });
      const url = absolute(request, options, image);
      sendJson(response, 201, { ...image, url }, { location: image.src });
    } catch (error) {
      // A refusal before the whole body was read: answer, and close rather than read the rest.
      if (!request.readableEnded) response.setHeader('connection', 'close');
      if (error instanceof RetryLater) response.setHeader('retry-after', String(error.seconds));
      throw asHttpError(error);
    }
  });

  router.add('GET', uploadPath, async (request, response, { name }) => {
    const claims = await bearerClaims(request, response, authSecret);
    requireRole(claims, 'viewer', name);
    const listed = await images.list(name).catch((error: unknown) => {
      throw asHttpError(error);
    });
    if (!listed) throw new HttpError(404, `document ${JSON.stringify(name)} does not exist`);
    sendJson(response, 200, { images: listed.map((image) => ({ ...image, url: absolute(request, options, image) })) });
  });

  router.add('GET', `${IMAGE_PATH_PREFIX}:name/:file`, async (request, response, { name, file }) => {
    const image = await images.open(name, file).catch((error: unknown) => {
      throw asHttpError(error);
    });
    if (!image) throw new HttpError(404, 'there is no image at this address (it was removed with its document, or the address is wrong)');
    const { hash, type, size } = image.info;
    const etag = `"${hash}"`;
    const headers = {
      etag,
      'cache-control': 'private, max-age=31536000, immutable',
      'content-security-policy': CONTENT_POLICY,
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      response.writeHead(304, headers).end();
      return;
    }
    response.writeHead(200, {
      ...headers,
      'content-type': type,
      'content-length': String(size),
      'content-disposition': `inline; filename="image.${isImageType(type) ? IMAGE_EXTENSIONS[type] : 'bin'}"`,
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    // Chunk by chunk, as fast as the client takes them; a client that goes away stops the read.
    await pipeline(Readable.from(image.chunks), response);
  });
}

/** `image` with its absolute address on the origin the request came to. */
function absolute(request: IncomingMessage, options: ImageRoutesOptions, image: StoredImage): string {
  return `${originOf(request, options.addresses.viaTrustedProxy(request))}${image.src}`;
}

/** The request's Origin when it is another site allowed by ALLOWED_ORIGINS; null for none or any other. */
function allowedOrigin(request: IncomingMessage, allowed: readonly string[]): string | null {
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return null;
  return allowed.includes('*') || allowed.includes(origin) ? origin : null;
}

function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': 'location' };
}

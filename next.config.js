/**
 * Next.js configuration for the web app in `app/`.
 *
 * Type checking runs in CI with `tsc` (TypeScript 7), not inside `next build`,
 * whose checker needs the TypeScript 5 compiler API.
 * @type {import('next').NextConfig}
 */
const nextConfig = {
  // A separate build folder per checkout or test run keeps parallel builds apart.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  reactStrictMode: true,
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: true },
  // Server-only packages stay as Node requires instead of being bundled.
  serverExternalPackages: ['leveldown', 'pino', 'prom-client', 'ws'],
  // Security headers (Content-Security-Policy with a nonce per request, framing, …) are set by
  // the server at run time (`collab-server/http/securityHeaders.ts`): the nonce and EMBED_ORIGINS
  // cannot be known at build time.
};

export default nextConfig;

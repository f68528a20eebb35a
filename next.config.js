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
  // Only the app itself may show its pages in a frame. The embed page (`/embed/…`) is the one
  // exception: the server sets its policy at run time from EMBED_ORIGINS.
  async headers() {
    return [
      {
        source: '/:path((?!embed/).*)',
        headers: [
          { key: 'Content-Security-Policy', value: "frame-ancestors 'self'" },
          { key: 'X-Frame-Options', value: 'SAMEORIGIN' },
        ],
      },
    ];
  },
};

export default nextConfig;

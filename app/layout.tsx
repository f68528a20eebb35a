import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Quire', template: '%s · Quire' },
  description: 'Real-time collaborative documents you can host yourself.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

/**
 * Every page is rendered per request: the server's Content-Security-Policy carries a fresh nonce
 * each time, and Next.js can put it on its scripts only while rendering (a page prerendered at
 * build time would carry none, and its scripts would be blocked).
 */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}

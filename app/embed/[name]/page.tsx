import type { Metadata } from 'next';
import { EmbedPage } from '../EmbedPage';

export const metadata: Metadata = { title: 'Embedded document', robots: { index: false, follow: false } };

type Query = Record<string, string | string[] | undefined>;

/**
 * `/embed/<document>`: the editor alone, for `embed.js` to show in a frame on another site. The
 * query holds only presentation (`theme=dark`, `toolbar=0`, `readonly=1`, `height=auto`); the
 * token arrives by `postMessage`, never in the address. Which sites may frame this page is the
 * server's EMBED_ORIGINS (a Content-Security-Policy `frame-ancestors` header).
 */
export default async function Page({ params, searchParams }: { params: Promise<{ name: string }>; searchParams: Promise<Query> }) {
  const { name } = await params;
  const query = await searchParams;
  const flag = (key: string) => (typeof query[key] === 'string' ? (query[key] as string) : '');
  return (
    <EmbedPage
      name={decodeURIComponent(name)}
      settings={{
        theme: flag('theme') === 'dark' ? 'dark' : 'light',
        toolbar: !['0', 'false', 'off'].includes(flag('toolbar')),
        readOnly: ['1', 'true', 'on'].includes(flag('readonly')),
        autoHeight: flag('height') === 'auto',
      }}
    />
  );
}

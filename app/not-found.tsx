import type { Metadata } from 'next';
import { StatusPage } from './components/StatusPage';

export const metadata: Metadata = { title: 'Page not found' };

/** Any address the app does not have (and `/d/…` addresses that cannot name a document). */
export default function NotFound() {
  return (
    <StatusPage code="404" title="Page not found">
      <p>There is nothing at this address. It may be mistyped, or the page has moved. Documents are opened from their share links.</p>
    </StatusPage>
  );
}

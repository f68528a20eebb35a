import { notFound } from 'next/navigation';
import { DocumentPage } from '../../components/DocumentPage';

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  let decoded: string;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // A broken escape (`%E0%A4`) names no document.
    notFound();
  }
  return <DocumentPage name={decoded} />;
}

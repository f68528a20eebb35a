import { DocumentPage } from '../../components/DocumentPage';

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <DocumentPage name={decodeURIComponent(name)} />;
}

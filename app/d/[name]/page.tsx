import { DocumentPage } from '../../components/DocumentPage';
import { ShellWorker } from '../../components/ShellWorker';

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <>
      <DocumentPage name={decodeURIComponent(name)} />
      <ShellWorker />
    </>
  );
}

import { HomePage } from './components/HomePage';
import { ShellWorker } from './components/ShellWorker';

export default function Home() {
  return (
    <>
      <HomePage />
      <ShellWorker />
    </>
  );
}

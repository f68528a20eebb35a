import { type EmbedPerson, QuireEditor } from '@quire/react';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';

declare global {
  interface Window {
    QUIRE_URL: string;
  }
}

const documentName = new URLSearchParams(window.location.search).get('doc') ?? 'react-demo';
const collabUrl = `${window.QUIRE_URL.replace(/^http/, 'ws')}/collab`;

/** Asks this app's backend for a Quire token (see examples/server.ts); called on every connection. */
async function fetchToken(): Promise<string> {
  const response = await fetch('/quire-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ document: documentName }),
  });
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  return response.text();
}

function App() {
  const [people, setPeople] = useState<EmbedPerson[]>([]);
  const [saved, setSaved] = useState<string>('not yet');
  const [dark, setDark] = useState(false);
  return (
    <main>
      <h1>Quire in a React app</h1>
      <p>
        <label>
          <input type="checkbox" checked={dark} onChange={(event) => setDark(event.target.checked)} /> Dark
        </label>
      </p>
      <QuireEditor
        url={collabUrl}
        document={documentName}
        token={fetchToken}
        theme={dark ? 'dark' : 'light'}
        style={{ height: 420 }}
        onPresence={setPeople}
        onSaved={() => setSaved(new Date().toLocaleTimeString())}
        onError={(error) => console.error('Quire:', error.code, error.message)}
      />
      <p>Here now: {people.map((person) => (person.self ? `${person.name} (you)` : person.name)).join(', ')}</p>
      <p>Last saved: {saved}</p>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '../testing/waitFor';

/**
 * Fresh apps an embedder would make, written file by file into a temporary folder: a Vite React
 * app (TypeScript, `@vitejs/plugin-react`) and a Next.js App Router app, each depending on the
 * packed `@quire/react` and `@quire/node` tarballs and installing everything else from the npm
 * registry. Versions are the project's own (so npm finds them in its cache).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

/** The tarballs `npm pack` made. */
export interface Tarballs {
  react: string;
  node: string;
}

/** The exact version of `name` this project installs. */
async function versionOf(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

async function writeFiles(folder: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), text);
  }
}

/** Packs both packages into `folder` (each package's `prepack` builds it first). */
export async function packPackages(folder: string): Promise<Tarballs> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', folder, '-w', '@quire/react', '-w', '@quire/node'], {
    cwd: root,
    maxBuffer: 16 << 20,
  });
  // prepack's own output comes first; the JSON answer is the last thing printed.
  const packed = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as { name: string; filename: string }[];
  const fileOf = (name: string) => path.join(folder, packed.find((entry) => entry.name === name)?.filename ?? `missing ${name}`);
  return { react: fileOf('@quire/react'), node: fileOf('@quire/node') };
}

/** The dependencies every fresh app has: the two tarballs, React and Yjs. */
async function commonDependencies(tarballs: Tarballs): Promise<Record<string, string>> {
  return {
    '@quire/node': `file:${tarballs.node}`,
    '@quire/react': `file:${tarballs.react}`,
    react: await versionOf('react'),
    'react-dom': await versionOf('react-dom'),
    yjs: await versionOf('yjs'),
  };
}

/**
 * A Vite React app whose page shows `<QuireEditor>` for `VITE_QUIRE_DOCUMENT` on the server at
 * `VITE_QUIRE_URL` (both read at build time), with a `/quire-token` endpoint in the preview server
 * that mints tokens with `@quire/node` and `AUTH_SECRET`. `src/typed.tsx` is compiled only by the
 * type check: it uses both packages' declarations, and each `@ts-expect-error` in it fails the
 * check if the declarations stopped catching that mistake.
 */
export async function writeViteApp(folder: string, tarballs: Tarballs): Promise<void> {
  const manifest = {
    name: 'quire-vite-app',
    private: true,
    type: 'module',
    dependencies: await commonDependencies(tarballs),
    devDependencies: {
      '@types/node': await versionOf('@types/node'),
      '@types/react': await versionOf('@types/react'),
      '@types/react-dom': await versionOf('@types/react-dom'),
      // The plugin's release for Vite 8; everything else is what this project installs.
      '@vitejs/plugin-react': '6.3.1',
      typescript: await versionOf('typescript'),
      vite: await versionOf('vite'),
    },
  };
  await writeFiles(folder, {
    'package.json': JSON.stringify(manifest, null, 2),
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        module: 'ESNext',
        moduleResolution: 'bundler',
        jsx: 'react-jsx',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node', 'vite/client'],
      },
      include: ['src', 'vite.config.ts'],
    }),
    'index.html': `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Vite and Quire</title></head>
  <body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body>
</html>
`,
    'vite.config.ts': `import { mintToken } from '@quire/node';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// The app's backend: a token for its user, minted with the Quire server's secret.
const quireToken: Plugin = {
  name: 'quire-token',
  configurePreviewServer(server) {
    server.middlewares.use('/quire-token', (_request, response) => {
      const claims = { sub: 'vite-user', name: 'Vite user', doc: process.env.VITE_QUIRE_DOCUMENT ?? '', role: 'editor' } as const;
      void mintToken(process.env.AUTH_SECRET ?? '', claims, 600).then((token) => {
        response.setHeader('content-type', 'text/plain');
        response.end(token);
      });
    });
  },
};

export default defineConfig({ plugins: [react(), quireToken] });
`,
    'src/main.tsx': `import { QuireEditor } from '@quire/react';
import '@quire/react/style.css';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';

async function fetchToken(): Promise<string> {
  const response = await fetch('/quire-token', { method: 'POST' });
  if (!response.ok) throw new Error(\`the token endpoint answered \${response.status}\`);
  return response.text();
}

function App() {
  const [saves, setSaves] = useState(0);
  return (
    <main>
      <h1>Vite and Quire</h1>
      <QuireEditor
        url={\`\${import.meta.env.VITE_QUIRE_URL.replace(/^http/, 'ws')}/collab\`}
        document={import.meta.env.VITE_QUIRE_DOCUMENT}
        token={fetchToken}
        onSaved={() => setSaves((count) => count + 1)}
        style={{ height: 300 }}
      />
      <p>Saved {saves} times</p>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(<StrictMode><App /></StrictMode>);
`,
    'src/typed.tsx': `import { type DocumentDescription, mintToken, QuireApiError, QuireClient, verifyWebhook, type WebhookEvent } from '@quire/node';
import { QuireEditor, QuireToolbar, type EmbedPerson } from '@quire/react';

export async function typed(client: QuireClient): Promise<string> {
  const described: DocumentDescription = await client.getDocument('notes');
  const markdown: string = (await client.getContent('notes', 'markdown')).content;
  const pdf: Uint8Array = (await client.getContent('notes', 'pdf')).content;
  // @ts-expect-error: a Word file is bytes, not text
  const word: string = (await client.getContent('notes', 'docx')).content;
  // @ts-expect-error: not a format the content API exports
  await client.getContent('notes', 'rtf');
  // @ts-expect-error: not a role a token can have
  await mintToken('secret', { sub: 'u', name: 'U', doc: 'notes', role: 'owner' });
  const event = JSON.parse('{}') as WebhookEvent;
  // @ts-expect-error: not an event Quire sends
  if (event.type === 'document.renamed') return '';
  const error = new QuireApiError(404, 'no such document');
  const people: EmbedPerson[] = [];
  return [described.title, markdown, pdf.length, word, error.status, verifyWebhook('secret', null, ''), people.length, QuireToolbar.name].join();
}

export const editor = <QuireEditor url="ws://quire.example.com/collab" document="notes" token={async () => 'token'} onSaved={() => undefined} />;
// @ts-expect-error: the document is required
export const withoutDocument = <QuireEditor url="ws://quire.example.com/collab" token="token" />;
`,
  });
}

/**
 * A Next.js App Router app whose page, a server component, mints a token with `@quire/node` for
 * each request and renders `<QuireEditor>` (a client component) for `QUIRE_DOCUMENT` on the
 * server at `QUIRE_URL`, both read when the page is rendered.
 */
export async function writeNextApp(folder: string, tarballs: Tarballs): Promise<void> {
  const manifest = { name: 'quire-next-app', private: true, dependencies: { ...(await commonDependencies(tarballs)), next: await versionOf('next') } };
  await writeFiles(folder, {
    'package.json': JSON.stringify(manifest, null, 2),
    'next.config.mjs': `export default { turbopack: { root: import.meta.dirname } };\n`,
    'app/layout.jsx': `import '@quire/react/style.css';

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
`,
    'app/page.jsx': `import { mintToken } from '@quire/node';
import { QuireEditor } from '@quire/react';

export const dynamic = 'force-dynamic';

export default async function Page() {
  const document = process.env.QUIRE_DOCUMENT;
  const token = await mintToken(process.env.AUTH_SECRET, { sub: 'next-user', name: 'Next user', doc: document, role: 'editor' }, 600);
  return (
    <main>
      <h1>Next.js and Quire</h1>
      <QuireEditor url={\`\${process.env.QUIRE_URL.replace(/^http/, 'ws')}/collab\`} document={document} token={token} style={{ height: 300 }} />
    </main>
  );
}
`,
  });
}

/** `npm install` in `folder`, from npm's cache where it can (a fresh app's first install). */
export async function npmInstall(folder: string): Promise<void> {
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: folder, maxBuffer: 16 << 20 });
}

/** Where `name` is installed in the app in `folder`: one path when every package shares one copy. */
export async function installedCopies(folder: string, name: string): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', name, '--all', '--parseable'], { cwd: folder, maxBuffer: 16 << 20 });
  return [...new Set(stdout.split('\n').filter((line) => line.trim() !== ''))];
}

/** Runs a program the app installed (`vite`, `next`, `tsc`…) in `folder`; throws with its output when it fails. */
export async function runIn(folder: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', ...args], { cwd: folder, env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${args.join(' ')} failed in ${folder}:\n${stdout}${stderr}`);
  }
}

/** A server an app runs (`vite preview`, `next start`), stopped with `stop`. */
export interface AppProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `args` in `folder` and waits until `url` answers. */
export async function startAppProcess(folder: string, args: string[], url: string, env: Record<string, string>): Promise<AppProcess> {
  const child: ChildProcess = spawn('npx', ['--no-install', ...args], {
    cwd: folder,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // npx starts the server as its child, in the group this process leads: end the whole group,
  // also when the test process exits without stopping it (a timed-out setup).
  const killGroup = () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  };
  process.once('exit', killGroup);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    process.off('exit', killGroup);
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  // Any answer ends the wait; an error page or an exit is a failure to start, reported at once.
  const started = await waitFor(
    async () => {
      if (child.exitCode !== null) return { problem: `exited with ${child.exitCode}` };
      const response = await fetch(url).catch(() => null);
      return response && (response.ok ? { problem: null } : { problem: `answered ${response.status}: ${(await response.text()).slice(0, 2000)}` });
    },
    { timeoutMs: 60_000, intervalMs: 200, message: `${args.join(' ')} to answer at ${url}` },
  ).catch((error: Error) => ({ problem: error.message }));
  if (started.problem !== null) {
    await stop();
    throw new Error(`${args.join(' ')} in ${folder} did not start: ${started.problem}\n${output}`);
  }
  return { url, output: () => output, stop };
}

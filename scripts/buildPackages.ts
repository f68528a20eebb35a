/**
 * Builds the packages embedders install (`packages/react` → `@quire/react`, `packages/node` →
 * `@quire/node`) into each one's `dist/`: one ES module bundled with esbuild from the package's
 * `src/index.ts` (the project code it uses, such as the app's editor modules, bundled in; every
 * npm package left as an import), its CSS beside it, and type declarations emitted by `tsc`.
 *
 *   node scripts/buildPackages.ts [react|node…]    (each package's `prepack` runs it, so `npm pack` builds)
 *
 * The build fails when the bundle imports a package its `package.json` does not list, so an
 * installed package never misses a dependency. Runs under Node's type stripping.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** How each package is bundled. */
const PACKAGES: Record<string, { platform: 'browser' | 'node'; banner?: string }> = {
  // Next.js renders modules on the server unless they say they are for the client.
  react: { platform: 'browser', banner: "'use client';" },
  node: { platform: 'node' },
};

/** The package an import names (`@tiptap/pm/state` → `@tiptap/pm`); null for a Node built-in. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Builds `packages/<name>` into its `dist/`. */
export async function buildPackage(name: string): Promise<void> {
  const options = PACKAGES[name];
  if (!options) throw new Error(`no package "${name}": expected one of ${Object.keys(PACKAGES).join(', ')}`);
  const folder = path.join(root, 'packages', name);
  const dist = path.join(folder, 'dist');
  const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  rmSync(dist, { recursive: true, force: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join(folder, 'src/index.ts')],
    outfile: path.join(dist, 'index.js'),
    bundle: true,
    format: 'esm',
    platform: options.platform,
    target: 'es2022',
    jsx: 'automatic',
    packages: 'external',
    banner: options.banner ? { js: options.banner } : undefined,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
  });

  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const imported = new Set(
    Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => packageOf(entry.path))),
  );
  const missing = [...imported].filter((entry): entry is string => entry !== null && !declared.has(entry));
  if (missing.length > 0)
    throw new Error(`packages/${name} imports ${missing.join(', ')}, which its package.json does not list as a dependency or peer dependency`);

  // Declarations keep the sources' layout under dist/types (the package's sources import project
  // modules outside it); dist/index.d.ts is the entry.
  const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(folder, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  writeFileSync(path.join(dist, 'index.d.ts'), `export * from './types/packages/${name}/src/index';\n`);
  // A stylesheet import is for the bundler (it becomes `style.css`); declarations have no use for it.
  for (const file of readdirSync(path.join(dist, 'types'), { recursive: true, encoding: 'utf8' }).filter((entry) => entry.endsWith('.d.ts'))) {
    const declarations = path.join(dist, 'types', file);
    const text = readFileSync(declarations, 'utf8');
    const stripped = text.replace(/^import '[^']+\.css';\n/gm, '');
    if (stripped !== text) writeFileSync(declarations, stripped);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  for (const name of names.length > 0 ? names : Object.keys(PACKAGES)) await buildPackage(name);
}

/**
 * `npx tsx scripts/conversionCost.ts [--only=md-short-paragraphs,…] [--sizes=6000,24000,96000,1048576] [--timeout-ms=60000] [--profile]`
 *
 * What each content shape of `testing/contentBombs.ts` costs the libraries that convert it, on one
 * thread: `parseContent` (marked through `@tiptap/markdown`, happy-dom and ProseMirror's
 * DOMParser through `@tiptap/html`, `JSON.parse`) and `initialUpdate` (the Yjs update), timed in a
 * child process per shape and size, so a crash or a runaway parse ends only that child. Larger
 * sizes of a shape are skipped once one takes longer than the timeout. `--profile` records a CPU
 * profile of the conversion alone and names the functions with the most self time, as an
 * upstream report needs. This is the work the server did on its event loop before conversions
 * moved to workers.
 */
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initialUpdate, parseContent } from '../shared/conversion';
import { CONTENT_BOMBS } from '../testing/contentBombs';

const args = process.argv.slice(2);
const value = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];

/** What one child reports. */
interface Measurement {
  parseMs: number;
  updateMs: number;
  bytes: number;
  /** Nodes in the parsed document (ProseMirror nodes, text runs included). */
  nodes: number;
  heapMb: number;
  error?: string;
  /** With `--profile`: the functions with the most self time during the conversion. */
  top?: string;
}

if (args[0] === '--child') {
  // One measurement: `--child <shape> <bytes> [--profile]`; prints a Measurement as JSON.
  const bomb = CONTENT_BOMBS.find((candidate) => candidate.id === args[1]);
  if (!bomb) throw new Error(`no shape ${args[1]}`);
  const content = bomb.make(Number(args[2]));
  // Warm up: the first conversion builds the schema and the Markdown parser.
  initialUpdate(parseContent('# a *b*', 'markdown'));
  parseContent('<p>a</p>', 'html');
  const session = args.includes('--profile') ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const result: Measurement = { parseMs: 0, updateMs: 0, bytes: Buffer.byteLength(content), nodes: 0, heapMb: 0 };
  const started = performance.now();
  try {
    const node = parseContent(content, bomb.format);
    result.parseMs = performance.now() - started;
    node.descendants(() => {
      result.nodes += 1;
    });
    const built = performance.now();
    initialUpdate(node);
    result.updateMs = performance.now() - built;
  } catch (error) {
    result.parseMs = performance.now() - started;
    result.error = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 160) : String(error);
  }
  result.heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  if (session) result.top = hottestFunctions(((await session.post('Profiler.stop')) as { profile: CpuProfile }).profile);
  console.log(JSON.stringify(result));
  process.exit(0);
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** The two functions with the most self time in `profile`, with their share of it (idle and GC left out). */
function hottestFunctions(profile: CpuProfile): string {
  const selfTime = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const micros = selfTime.get(node.id) ?? 0;
    total += micros;
    // Idle time, the collector, and the profiler's own calls are not the parser's.
    const regExp = functionName.startsWith('RegExp: ');
    if (!url && !regExp) continue;
    const where = url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length) : path.basename(url);
    const key = regExp ? `${functionName.slice(0, 48)}… (a regular expression)` : `${functionName || '(anonymous)'} (${where}:${lineNumber + 1})`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([name, micros]) => `${name} ${Math.round((100 * micros) / Math.max(1, total))}%`)
    .join('; ');
}

const sizes = (value('sizes') ?? '6144,24576,98304,1048576').split(',').map(Number);
const timeoutMs = Number(value('timeout-ms') ?? 60_000);
const only = value('only')?.split(',');
const profile = args.includes('--profile');
const shapes = CONTENT_BOMBS.filter((bomb) => !only || only.includes(bomb.id));
const script = fileURLToPath(import.meta.url);

/** Runs one measurement in a child process; null when it ran out of time (it is killed). */
async function measure(shape: string, bytes: number): Promise<Measurement | { crashed: string } | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--child', shape, String(bytes), ...(profile ? ['--profile'] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  if (code === null) return null;
  const line = output.split('\n').find((candidate) => candidate.startsWith('{"parseMs"'));
  if (!line) return { crashed: output.trim().split('\n').slice(-3).join(' ').slice(0, 200) };
  return JSON.parse(line) as Measurement;
}

const kb = (bytes: number) => (bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`);
console.log(`| Shape | Size | Parse | Yjs update | Nodes | Heap | Result${profile ? ' | Most self time' : ''} |`);
console.log(`| --- | --- | --- | --- | --- | --- | ---${profile ? ' | ---' : ''} |`);
for (const bomb of shapes) {
  for (const size of sizes) {
    const result = await measure(bomb.id, size);
    if (result === null) {
      console.log(`| ${bomb.id} | ${kb(size)} | > ${timeoutMs / 1000} s | | | | stopped |${profile ? ' |' : ''}`);
      break;
    }
    if ('crashed' in result) {
      console.log(`| ${bomb.id} | ${kb(size)} | | | | | process died: ${result.crashed.replace(/\|/g, '/')} |${profile ? ' |' : ''}`);
      break;
    }
    const ms = (value: number) => `${value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`}`;
    console.log(
      `| ${bomb.id} | ${kb(result.bytes)} | ${ms(result.parseMs)} | ${result.error ? '' : ms(result.updateMs)} | ${result.error ? '' : result.nodes} | ${result.heapMb.toFixed(0)} MB | ${(result.error ?? 'ok').replace(/\|/g, '/')} |${profile ? ` ${result.top ?? ''} |` : ''}`,
    );
  }
}

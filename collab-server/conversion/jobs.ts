import type { Node } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { EXPORT_FORMATS, type ExportFormat } from '../../packages/node/src/apiTypes';
import { appendBody, bodyNode, exportBody, initialUpdate, replaceBody } from '../../shared/conversion';
import { changeText, diffDocuments } from '../../shared/documentDiff';
import { TITLE_FIELD } from '../../shared/documentFields';
import { withoutSuggestions } from '../../shared/suggestions/withoutSuggestions';
import { anchorAt, type DescribedThread, describeThreads, type ThreadPlace, type ThreadQuery } from '../comments/threadJobs';
import { versionOf } from '../documents/documentVersion';
import { type CapturedVersion, captureVersion } from '../history/versionDelta';
import type { ContentLimits } from './contentLimits';
import { type ExportImages, shownImages } from './docx/embeddedImages';
import type { ImportedImage } from './docx/importedImages';
import { stackOverflowAsTooDeep } from './parseWithLimits';
import { type BodyRules, readContentRequest, titleOf } from './requestBody';

/**
 * The work a conversion worker does: everything from the request's bytes (or the document's
 * stored state) to what the main thread needs, the Yjs update included, so the main thread only
 * copies bytes in and out and applies an update. Each function is pure and runs in-process too.
 * Stored documents are read with the tolerant reader (`bodyNode`), which keeps whatever lies
 * deeper than the schema's nesting limit as text, so no depth is refused on the way out.
 */

/** A document's state: Yjs updates that, applied in order to an empty document, rebuild it. */
export type DocumentState = Uint8Array[];

/** Create a document from a request body: its fields, and the update holding its content and title. */
export interface CreateJob {
  kind: 'create';
  body: Uint8Array;
  rules: BodyRules;
}
export interface CreateResult {
  /** The body's fields other than `content`. */
  fields: Record<string, unknown>;
  /** The new document's initial update (content and title), or null when the body gives neither. */
  update: Uint8Array | null;
  /** Pictures of an imported .docx the update shows (rules with `images` only): the main thread stores them as the new document's images. */
  images: ImportedImage[];
  /** What the import left out (images of a .docx), for the person importing. */
  notes: string[];
}

/**
 * Write a request body's content into a document in `state`: replace its body with the smallest
 * change, or append blocks after it. The result is the update from `state` to the new state, to
 * apply to the live document (concurrent edits merge with it as with any remote edit).
 */
export interface WriteJob {
  kind: 'write';
  body: Uint8Array;
  mode: 'replace' | 'append';
  state: DocumentState;
}
export interface WriteResult {
  delta: Uint8Array;
}

// Declared with the content API's other shapes, in the package clients install (`@quire/node`).
export { EXPORT_FORMATS, type ExportFormat };

/** A document's body in `format`, its title and its version (`ETag`). */
export interface ExportJob {
  kind: 'export';
  state: DocumentState;
  format: ExportFormat;
  /** The server's origin as the request reached it: images stored there get absolute addresses in HTML and Markdown. */
  imageBase?: string;
  /** The document's stored images the body shows, for the file formats to embed (see `ImagesJob`). */
  images?: ExportImages;
}
export interface ExportResult {
  /** Text for the content formats, bytes for the file formats (.docx, PDF). */
  content: string | Uint8Array;
  title: string;
  version: string;
}

/** What changed from one state of a document to another, as text deleted and inserted. */
export interface DiffJob {
  kind: 'diff';
  before: DocumentState;
  after: DocumentState;
}
export interface DiffResult {
  changes: Array<{ deleted: string; inserted: string }>;
}

/** The update that makes a document in `current` look like `version` again (its body; the title is returned for the main thread to set). */
export interface RestoreJob {
  kind: 'restore';
  version: DocumentState;
  current: DocumentState;
}
export interface RestoreResult {
  delta: Uint8Array;
  title: string;
}

/** Which stored images of `document` its body shows, by hash: what a .docx or PDF export reads from the store to embed. */
export interface ImagesJob {
  kind: 'images';
  state: DocumentState;
  document: string;
}
export interface ImagesResult {
  hashes: string[];
}

/** The comment threads `query` asks for, described with where they are in the body (the content API's thread routes). */
export interface ThreadsJob {
  kind: 'threads';
  state: DocumentState;
  query: ThreadQuery;
}
export interface ThreadsResult {
  threads: DescribedThread[];
}

/** The anchor of a new comment thread at `place`. */
export interface AnchorJob {
  kind: 'anchor';
  state: DocumentState;
  place: ThreadPlace;
}
export interface AnchorResult {
  start: Uint8Array;
  end: Uint8Array;
  quote: string;
}

/** A version of the document in `state`: the delta from `previous` (an encoded `Y.Snapshot`, null for none) to it (history captures). */
export interface CaptureJob {
  kind: 'capture';
  state: DocumentState;
  previous: Uint8Array | null;
}
export type CaptureResult = CapturedVersion;

export type ConversionJob = CreateJob | WriteJob | ExportJob | DiffJob | RestoreJob | ImagesJob | ThreadsJob | AnchorJob | CaptureJob;

/** The result of each kind of job. */
export interface JobResults {
  create: CreateResult;
  write: WriteResult;
  export: ExportResult;
  diff: DiffResult;
  restore: RestoreResult;
  images: ImagesResult;
  threads: ThreadsResult;
  anchor: AnchorResult;
  capture: CaptureResult;
}

/** Runs `job` within `limits`; throws ConversionError (or ContentError for content that does not convert). */
export async function runJob<J extends ConversionJob>(job: J, limits: ContentLimits): Promise<JobResults[J['kind']]> {
  try {
    return (await run(job, limits)) as JobResults[J['kind']];
  } catch (error) {
    throw stackOverflowAsTooDeep(error, job.kind === 'create' || job.kind === 'write' ? 'the content' : 'the document', limits);
  }
}

async function run(job: ConversionJob, limits: ContentLimits): Promise<JobResults[ConversionJob['kind']]> {
  switch (job.kind) {
    case 'create': {
      const { fields, node, images, notes } = await readContentRequest(job.body, job.rules, limits);
      const title = titleOf(fields);
      return { fields, update: node || title ? initialUpdate(node, title) : null, images, notes };
    }
    case 'write': {
      const { node } = await readContentRequest(job.body, WRITE_RULES, limits);
      return { delta: changed(job.state, (doc) => (job.mode === 'replace' ? replaceBody : appendBody)(doc, node as Node)) };
    }
    case 'export': {
      const doc = rebuild(job.state);
      const title = doc.getText(TITLE_FIELD).toString();
      const content =
        job.format === 'docx' || job.format === 'pdf'
          ? await fileExport(job.format, withoutSuggestions(bodyNode(doc)), title, job.imageBase, job.images)
          : exportBody(doc, job.format, { imageBase: job.imageBase });
      return { content, title, version: versionOf(doc) };
    }
    case 'diff': {
      const before = bodyNode(rebuild(job.before));
      const after = bodyNode(rebuild(job.after));
      return { changes: diffDocuments(before, after).map((change) => changeText(before, after, change)) };
    }
    case 'images':
      return { hashes: shownImages(withoutSuggestions(bodyNode(rebuild(job.state))), job.document) };
    case 'restore': {
      const version = rebuild(job.version);
      const body = bodyNode(version);
      return { delta: changed(job.current, (doc) => replaceBody(doc, body)), title: version.getText(TITLE_FIELD).toString() };
    }
    case 'threads':
      return { threads: describeThreads(rebuild(job.state), job.query) };
    case 'anchor':
      return anchorAt(rebuild(job.state), job.place);
    case 'capture':
      return captureVersion(job.state, job.previous);
  }
}

/** A document as a Word or PDF file; their writers are loaded on first use, so a worker that never makes one keeps its heap for the rest. */
async function fileExport(format: 'docx' | 'pdf', body: Node, title: string, imageBase: string | undefined, images?: ExportImages): Promise<Uint8Array> {
  if (format === 'docx') return (await import('./docx/docxExport')).exportDocx(body, title, imageBase, images);
  return (await import('./docx/pdfExport')).exportPdf(body, title, imageBase, images);
}

/** A write's body: the content API's `{ content, format? }`. */
const WRITE_RULES: BodyRules = { dialect: 'api', fields: ['content', 'format'], contentRequired: true };

/** A document rebuilt from `state`. */
function rebuild(state: DocumentState): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const update of state) Y.applyUpdate(doc, update);
  });
  return doc;
}

/** The update `change` makes to the document in `state`. */
function changed(state: DocumentState, change: (doc: Y.Doc) => void): Uint8Array {
  const doc = rebuild(state);
  const before = Y.encodeStateVector(doc);
  doc.transact(() => change(doc));
  return Y.encodeStateAsUpdate(doc, before);
}

/** The buffers of every Uint8Array in `value` (a job or a result), to transfer instead of copying. */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const visit = (item: unknown) => {
    if (item instanceof Uint8Array) {
      if (item.byteOffset === 0 && item.byteLength === item.buffer.byteLength && item.buffer instanceof ArrayBuffer) buffers.add(item.buffer);
    } else if (Array.isArray(item)) item.forEach(visit);
    else if (typeof item === 'object' && item !== null && Object.getPrototypeOf(item) === Object.prototype) Object.values(item).forEach(visit);
  };
  visit(value);
  return [...buffers];
}

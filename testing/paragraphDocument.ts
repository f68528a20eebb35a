import { afterAll, beforeAll } from 'vitest';
import type * as Y from 'yjs';
import { hocuspocusClient } from './clients';
import { writeParagraph } from './commentFrames';
import { startTestServer, type TestServer } from './testServer';

/** What `paragraphDocumentPerFile` gives a test file once its `beforeAll` ran. */
export class ParagraphDocument {
  server!: TestServer;
  /** The owner's real client, which wrote the paragraph (an editor). */
  owner!: ReturnType<typeof hocuspocusClient>;

  constructor(readonly name: string) {}

  /** The server's live copy of the document. */
  live(): Y.Doc {
    const doc = this.server.server.hocuspocus.documents.get(this.name);
    if (!doc) throw new Error(`${this.name} is not loaded`);
    return doc;
  }
}

/**
 * For a test file of write rules: a real server with document `name`, holding one paragraph
 * "hello world" written and saved by its owner's real client; stopped (data removed) after the file.
 */
export function paragraphDocumentPerFile(name: string): ParagraphDocument {
  const context = new ParagraphDocument(name);
  beforeAll(async () => {
    context.server = await startTestServer();
    context.owner = hocuspocusClient(context.server.hocuspocusUrl, name, await context.server.token({ doc: name, sub: 'owner', name: 'Owner' }));
    await context.owner.synced();
    writeParagraph(context.owner.doc, 'hello world');
    await context.owner.saved();
  });
  afterAll(async () => {
    context.owner?.destroy();
    await context.server?.stop({ removeData: true });
  });
  return context;
}

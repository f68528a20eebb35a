import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_FIELD, SUGGESTION_AUTHORS_FIELD } from '../../shared/documentFields';
import { AppBrowser } from '../../testing/appBrowser';
import { hocuspocusClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Suggestions in a file imported through the web app ([SG13] of shared/suggestions/SUGGESTIONS.md)
 * are the importer's own, as the identity their sessions' tokens carry; a file carrying anyone
 * else's is refused with 422 and no document is made.
 */

let server: TestServer;
let browser: AppBrowser;
let me: string;

beforeAll(async () => {
  server = await startTestServer();
  browser = new AppBrowser(server.httpUrl);
  me = (await browser.call('GET', '/api/app/identity')).data.id as string;
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const inserted = (author: string, id: string) =>
  `<p>Text <ins data-suggestion="${id}" data-author="${author}" data-author-name="A" data-time="5">added</ins></p>`;
const formatted = (author: string, id: string) =>
  `<p><span data-suggestion-format="" data-suggestion="${id}" data-author="${author}" data-author-name="A" data-time="1" data-before="{&quot;italic&quot;:{}}"><strong>bold</strong></span></p>`;

describe('suggestions in an import', () => {
  it('[SG13] an HTML import carrying a suggestion by someone else is refused with 422; nothing is created', async () => {
    for (const content of [inserted('mallory', 'm1'), formatted('mallory', 'm2')]) {
      const before = await server.server.documents.list();
      const { status, data } = await browser.call('POST', '/api/app/documents', { title: 'Forged', content, format: 'html' });
      expect(status, JSON.stringify(data)).toBe(422);
      expect(String(data.error)).toContain('SG13');
      expect(await server.server.documents.list()).toEqual(before);
    }
  });

  it("[SG13] the importer's own suggestions are imported and recorded as theirs", async () => {
    const { name, secrets } = await browser.create({ title: 'Mine', content: inserted(me, 'own-1') + formatted(me, 'own-2'), format: 'html' });
    const token = (await browser.session(name, secrets.edit)).data.token as string;
    const reader = hocuspocusClient(server.hocuspocusUrl, name, token);
    try {
      await reader.synced();
      expect(reader.doc.getXmlFragment(BODY_FIELD).toString()).toContain(`author="${me}"`);
      await waitFor(() => reader.doc.getMap(SUGGESTION_AUTHORS_FIELD).has('own-1') && reader.doc.getMap(SUGGESTION_AUTHORS_FIELD).has('own-2'), {
        message: 'the records of the imported suggestions',
      });
      expect((reader.doc.getMap(SUGGESTION_AUTHORS_FIELD).get('own-1') as { author: string }).author).toBe(me);
    } finally {
      reader.destroy();
    }
  });
});

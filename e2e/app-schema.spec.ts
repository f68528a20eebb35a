import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import * as Y from 'yjs';
import { DOCUMENTS_FOLDER } from '../collab-server/CollabServer';
import { LevelDocumentStore } from '../persistence/LevelDocumentStore';
import { CloseCodes } from '../shared/closeCodes';
import { readBodyOf } from '../shared/conversion';
import { BODY_FIELD } from '../shared/documentFields';
import { apiRequest } from '../testing/apiRequest';
import { hocuspocusClient } from '../testing/clients';
import { invalidDocument, OVERLAY_STYLE, TEXT_IN_INVALID_PARTS, VALID_PARAGRAPHS } from '../testing/invalidDocument';
import { FrameType, hpFrames, yFrames } from '../testing/rawFrames';
import { RawSocket } from '../testing/rawSocket';
import { element, paragraph, text } from '../testing/sampleDocument';
import { waitFor } from '../testing/waitFor';
import { bodyTextOf, chooseFromDocumentMenu, freshPage, leavePage, linkParts, localCopyWritten, saveStatusOf, typeInBody } from './app-helpers';
import { type App, createDocument, editorOf, expect, test } from './fixtures';
import { appToken, contentOf, createWithLinks, renderedDangers } from './schema-helpers';

/**
 * The document schema end to end, in Chromium against the real app (`shared/SCHEMA-RULES.md`):
 * updates that break it are refused and never reach an editor; stored invalid documents open
 * whole and an honest editor loses nothing; hostile attributes never render as they were; and a
 * browser's copy of a deleted document never merges into the one created again under its name.
 */

const collabUrl = (app: App) => `${app.url.replace(/^http/, 'ws')}/collab`;
const yUrl = (app: App, name: string, token: string) => `${app.url.replace(/^http/, 'ws')}/y/${encodeURIComponent(name)}?token=${token}`;

/** Runs `work` while the app is stopped (on its data folder). */
async function whileStopped(app: App, work: () => Promise<void>): Promise<void> {
  if (!app.whileStopped) throw new Error('this app cannot be stopped and started again');
  await app.whileStopped(work);
}

/** Downloads the document in `format` from the document menu; returns its text. */
async function download(page: Page, item: RegExp): Promise<string> {
  const downloaded = page.waitForEvent('download');
  await chooseFromDocumentMenu(page, item);
  return readFile(await (await downloaded).path(), 'utf8');
}

const body = (doc: Y.Doc) => doc.getXmlFragment(BODY_FIELD);

/** The tags of an HTML file (text may say anything; it is escaped). */
const tagsOf = (html: string) => (html.match(/<[a-z][^>]*>/g) ?? []).join('\n');

test('[G1]–[G8] updates the schema does not allow are refused on both protocols; Chromium shows none of them and an honest editor types on', async ({
  app,
  page,
}) => {
  await createDocument(page, app);
  await typeInBody(page, 'Alpha paragraph\nBeta paragraph');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  const { name } = linkParts(page.url());
  const token = await appToken(app, name, 'editor');

  const reader = hocuspocusClient(collabUrl(app), name, token);
  await reader.synced();
  const attack = (change: (doc: Y.Doc) => void) => {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(reader.doc));
    const before = Y.encodeStateVector(copy);
    change(copy);
    return Y.encodeStateAsUpdate(copy, before);
  };
  const first = (doc: Y.Doc) => body(doc).get(0) as Y.XmlElement;
  const attacks = [
    (doc: Y.Doc) => body(doc).insert(0, [text('bare attack text')]),
    (doc: Y.Doc) => body(doc).insert(0, [element('iframe', [paragraph('unknown attack node')])]),
    (doc: Y.Doc) => first(doc).insert(0, [paragraph('nested attack paragraph')]),
    (doc: Y.Doc) => body(doc).insert(1, [element('bulletList')]),
    (doc: Y.Doc) => first(doc).setAttribute('textAlign', OVERLAY_STYLE),
    (doc: Y.Doc) => (first(doc).get(0) as Y.XmlText).format(0, 5, { link: { href: 'https://example.com', rel: 'opener', target: '_top' } }),
  ];
  for (const change of attacks) {
    const hp = await RawSocket.open(collabUrl(app));
    hp.send(hpFrames.auth(name, token), hpFrames.update(name, attack(change)));
    await waitFor(() => hp.frames().find((frame) => frame.type === FrameType.Close), { message: 'the Hocuspocus attempt to be refused' });
    expect(hp.frames().find((frame) => frame.type === FrameType.Close)?.text).toBe(CloseCodes.InvalidContent.reason);
    hp.close();
    const yw = await RawSocket.open(yUrl(app, name, token));
    yw.send(yFrames.update(attack(change)));
    expect(await yw.waitClosed()).toEqual({ code: CloseCodes.InvalidContent.code, reason: CloseCodes.InvalidContent.reason });
  }
  reader.destroy();

  // The editor in Chromium saw none of it, and typing goes on.
  await expect(editorOf(page)).toContainText('Beta paragraph');
  expect(await bodyTextOf(page)).not.toMatch(/attack/);
  expect(await renderedDangers(page)).toEqual([]);
  await typeInBody(page, '\nGamma paragraph');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  expect(await contentOf(app, name)).toBe('Alpha paragraph\n\nBeta paragraph\n\nGamma paragraph');
});

test('[R2] [R4] a stored document with invalid content opens whole in Chromium; an honest editor typing deletes nothing valid on disk; the HTML download is safe', async ({
  app,
  page,
}) => {
  const url = await createDocument(page, app);
  const { name } = linkParts(url);
  await page.close();
  const stored = invalidDocument({ looseString: false });
  const scratch = new Y.Doc();
  Y.applyUpdate(scratch, stored);
  const validIds = body(scratch)
    .toArray()
    .filter((child): child is Y.XmlElement => child instanceof Y.XmlElement && VALID_PARAGRAPHS.includes(child.toArray()[0]?.toString() ?? ''))
    .map((child) => child._item?.id as Y.ID);
  // Older data: written into the store while the server is stopped, past every check.
  await whileStopped(app, async () => {
    const store = new LevelDocumentStore({ location: path.join(app.dataDir, DOCUMENTS_FOLDER) });
    await store.open();
    await store.append(name, stored);
    await store.close();
  });

  const editor = await freshPage(page.context().browser()!);
  await editor.goto(url);
  for (const shown of [...VALID_PARAGRAPHS, ...TEXT_IN_INVALID_PARTS.filter((kept) => kept !== 'loose string')])
    await expect(editorOf(editor)).toContainText(shown);
  expect(await renderedDangers(editor)).toEqual([]);
  await typeInBody(editor, ' typed by an honest editor');
  await expect(saveStatusOf(editor)).toHaveText('Saved');

  const html = await download(editor, /HTML/);
  expect(html).toContain('typed by an honest editor');
  expect(tagsOf(html)).not.toMatch(/position:\s*fixed|javascript:|rel="opener"|dialog-backdrop/);

  await whileStopped(app, async () => {
    const store = new LevelDocumentStore({ location: path.join(app.dataDir, DOCUMENTS_FOLDER) });
    await store.open();
    const loaded = await store.load(name);
    await store.close();
    const doc = new Y.Doc();
    for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
    const deleted = Y.createDeleteSetFromStructStore(doc.store);
    for (const id of validIds) expect(Y.isDeleted(deleted, id), 'a valid paragraph was deleted on disk').toBe(false);
    const reading = readBodyOf(doc);
    expect(reading.problems).toEqual([]);
    for (const kept of [...VALID_PARAGRAPHS, 'deep text', 'bare top-level text', 'typed by an honest editor']) expect(reading.node.textContent).toContain(kept);
  });
});

const HOSTILE_IMPORTS: Record<string, unknown> = {
  json: {
    type: 'doc',
    content: [
      { type: 'paragraph', attrs: { textAlign: OVERLAY_STYLE }, content: [{ type: 'text', text: 'json overlay' }] },
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'json link', marks: [{ type: 'link', attrs: { href: 'https://example.com', rel: 'opener', target: '_top', class: 'menu' } }] },
        ],
      },
      {
        type: 'table',
        content: [
          {
            type: 'tableRow',
            content: [{ type: 'tableCell', attrs: { align: OVERLAY_STYLE, colwidth: ['1px; position: fixed'] }, content: [{ type: 'paragraph' }] }],
          },
        ],
      },
    ],
  },
  html: `<p style="${OVERLAY_STYLE}">html overlay</p><p><a href="https://example.com" rel="opener" target="_top" class="menu">html link</a> <a href="javascript:alert(1)">script</a></p><img src="data:image/png;base64,AAAA">`,
  markdown:
    'markdown [link](javascript:alert(1)) and [ok](https://example.com)\n\n![pixel](//evil.example/p.png)\n\n<p style="position: fixed; inset: 0">raw html</p>',
  text: `<p style="${OVERLAY_STYLE}">text overlay</p>`,
};

test('[V6] hostile attributes from every import, and ones the editor itself is given, never render as they were; the HTML download is safe', async ({
  app,
  browser,
}) => {
  for (const [format, content] of Object.entries(HOSTILE_IMPORTS)) {
    const { editUrl } = await createWithLinks(app, { content, format });
    const page = await freshPage(browser);
    await page.goto(editUrl);
    await expect(editorOf(page)).toContainText(format === 'json' ? 'json link' : format);
    expect(await renderedDangers(page), format).toEqual([]);
    await page.context().close();
  }

  // The app's own Markdown import.
  const page = await freshPage(browser);
  await page.goto(app.url);
  await page
    .getByLabel('Markdown file to import')
    .setInputFiles({ name: 'hostile.md', mimeType: 'text/markdown', buffer: Buffer.from(HOSTILE_IMPORTS.markdown as string) });
  await page.waitForURL(/\/d\/[^/]+#.+/);
  await expect(editorOf(page)).toContainText('markdown');
  expect(await renderedDangers(page)).toEqual([]);

  // Nodes and marks with hostile attributes put straight into the editor (past every command):
  // the editor renders them safely, and the server refuses to store them.
  await editorOf(page).evaluate((element, overlay) => {
    type Schema = {
      nodes: Record<string, { create(attrs: unknown, content?: unknown): unknown }>;
      marks: Record<string, { create(attrs: unknown): unknown }>;
      text(text: string, marks?: unknown[]): unknown;
    };
    const editor = (
      element as HTMLElement & {
        editor: { state: { schema: Schema; tr: { insert(pos: number, nodes: unknown[]): unknown } }; view: { dispatch(tr: unknown): void } };
      }
    ).editor;
    const { schema } = editor.state;
    const link = schema.marks.link.create({ href: 'https://example.com', rel: 'opener', target: '_top', class: 'menu' });
    const nodes = [
      schema.nodes.paragraph.create({ textAlign: overlay }, schema.text('injected overlay')),
      schema.nodes.paragraph.create(null, schema.text('injected link', [link])),
      schema.nodes.codeBlock.create({ language: 'x menu' }, schema.text('injected code')),
    ];
    editor.view.dispatch(editor.state.tr.insert(0, nodes));
  }, OVERLAY_STYLE);
  await expect(editorOf(page)).toContainText('injected link');
  expect(await renderedDangers(page)).toEqual([]);
  expect(
    await editorOf(page)
      .locator('p', { hasText: 'injected overlay' })
      .evaluate((p) => getComputedStyle(p).position),
  ).toBe('static');
  await expect(saveStatusOf(page)).toHaveText('Access refused');
  expect(await contentOf(app, linkParts(page.url()).name)).not.toContain('injected');
  const html = await download(page, /HTML/);
  expect(html).toContain('injected link');
  expect(tagsOf(html)).not.toMatch(/position:\s*fixed|rel="opener"|target="_top"|class="menu"|javascript:|data:/);
});

/**
 * "team-notes" is edited in a browser (its copy kept in IndexedDB), then deleted and created again
 * with the text "The new document" while no page of it is open: returns that browser and the new links.
 */
async function deletedAndCreatedAgain(app: App, browser: Browser) {
  const first = await createWithLinks(app, { name: 'team-notes', content: 'Original text', format: 'text' });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(first.editUrl);
  await typeInBody(page, '\nWritten before the deletion');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await localCopyWritten(page, 'team-notes');
  // The page must be gone before the deletion: one still open is told and clears its copy.
  await leavePage(page);
  const admin = await appToken(app, '*');
  expect((await apiRequest(app.url, 'DELETE', '/api/docs/team-notes', { token: admin })).status).toBe(204);
  const second = await createWithLinks(app, { name: 'team-notes', content: 'The new document', format: 'text' });
  return { context, second };
}

test('[I2] [I3] a browser’s copy of a deleted document is refused by the one created again under its name; the app says so, offers the copy and clears it', async ({
  app,
  browser,
}) => {
  const { context, second } = await deletedAndCreatedAgain(app, browser);

  // The same browser opens the new document: its IndexedDB still holds the old one under that name.
  const again = await context.newPage();
  await again.goto(second.editUrl);
  await expect(again.getByRole('alert').filter({ hasText: 'This document was deleted and created again.' })).toBeVisible();
  await expect(saveStatusOf(again)).toHaveText('Document replaced');
  expect(await contentOf(app, 'team-notes')).toBe('The new document');

  const downloaded = again.waitForEvent('download');
  await again.getByRole('button', { name: 'Download your copy' }).click();
  const copy = await readFile(await (await downloaded).path(), 'utf8');
  expect(copy).toContain('Written before the deletion');
  expect(copy).not.toContain('The new document');
  await expect.poll(() => again.evaluate(async () => (await indexedDB.databases()).map((database) => database.name))).not.toContain('quire-doc:team-notes');

  await again.getByRole('button', { name: 'Open the current document' }).click();
  await expect(editorOf(again)).toHaveText('The new document');
  await expect(saveStatusOf(again)).toHaveText('Saved');
  expect(await contentOf(app, 'team-notes')).toBe('The new document');
  await context.close();
});

/**
 * Opens `database` in `page` and asks for a newer version while keeping it open: IndexedDB opens
 * nothing else of that database (in any tab) until `release` closes both.
 */
async function holdDatabase(page: Page, database: string): Promise<{ release: () => Promise<void> }> {
  await page.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const held = open.result;
          const upgrade = indexedDB.open(name, held.version + 1);
          (globalThis as unknown as { releaseDatabase: () => void }).releaseDatabase = () => held.close();
          upgrade.onblocked = () => resolve();
          upgrade.onsuccess = () => upgrade.result.close();
          upgrade.onerror = () => reject(upgrade.error);
        };
      }),
    database,
  );
  return { release: () => page.evaluate(() => (globalThis as unknown as { releaseDatabase: () => void }).releaseDatabase()) };
}

test('[I2] [I3] a browser’s copy read only after the page connected (a slow IndexedDB) is refused all the same; the copy offered is the old document alone', async ({
  app,
  browser,
}) => {
  const { context, second } = await deletedAndCreatedAgain(app, browser);

  // Another tab keeps the copy's database from opening: the page connects without it, and is synced first.
  const other = await context.newPage();
  await other.goto(`${app.url}/icon.svg`);
  const held = await holdDatabase(other, 'quire-doc:team-notes');
  const again = await context.newPage();
  await again.goto(second.editUrl);
  await expect(editorOf(again)).toHaveText('The new document');
  await expect(saveStatusOf(again)).toHaveText('Saved');

  // The copy arrives now, into a page that already holds the new document.
  await held.release();
  await expect(again.getByRole('alert').filter({ hasText: 'This document was deleted and created again.' })).toBeVisible();
  await expect(saveStatusOf(again)).toHaveText('Document replaced');
  const downloaded = again.waitForEvent('download');
  await again.getByRole('button', { name: 'Download your copy' }).click();
  const copy = await readFile(await (await downloaded).path(), 'utf8');
  expect(copy).toContain('Written before the deletion');
  expect(copy).not.toContain('The new document');
  expect(await contentOf(app, 'team-notes')).toBe('The new document');
  await expect.poll(() => again.evaluate(async () => (await indexedDB.databases()).map((database) => database.name))).not.toContain('quire-doc:team-notes');
  await context.close();
});

test('[I2] [I3] an edit made offline before the document was deleted and created again under its name is offered, never dropped unsaid nor merged into the new one', async ({
  app,
  browser,
}) => {
  const first = await createWithLinks(app, { name: 'team-notes', content: 'Original text', format: 'text' });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(first.editUrl);
  await expect(editorOf(page)).toHaveText('Original text');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await context.setOffline(true);
  await expect(saveStatusOf(page)).toHaveText(/^Offline/);
  await typeInBody(page, '\nWritten offline before the deletion');
  await localCopyWritten(page, 'team-notes');

  // Meanwhile the document is deleted and another one created under its name.
  const admin = await appToken(app, '*');
  expect((await apiRequest(app.url, 'DELETE', '/api/docs/team-notes', { token: admin })).status).toBe(204);
  const second = await createWithLinks(app, { name: 'team-notes', content: 'The new document', format: 'text' });

  // Back online, the page's link no longer opens anything: it says so and keeps the edit to download.
  await context.setOffline(false);
  await expect(page.getByRole('alert').filter({ hasText: 'This document was deleted' })).toBeVisible();
  await expect(editorOf(page)).not.toBeEditable();
  const downloaded = page.waitForEvent('download');
  await page.getByRole('alert').getByRole('button', { name: 'Download a copy' }).click();
  const copy = await readFile(await (await downloaded).path(), 'utf8');
  expect(copy).toContain('Written offline before the deletion');
  expect(copy).not.toContain('The new document');
  expect(await contentOf(app, 'team-notes')).toBe('The new document');

  // The new document, opened in the same browser, holds nothing of the old one.
  const again = await context.newPage();
  await again.goto(second.editUrl);
  await expect(editorOf(again)).toHaveText('The new document');
  await expect(saveStatusOf(again)).toHaveText('Saved');
  expect(await contentOf(app, 'team-notes')).toBe('The new document');
  await context.close();
});

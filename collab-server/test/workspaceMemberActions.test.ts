import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcBrowser } from '../../testing/oidcBrowser';
import { emailOf } from '../../testing/oidcIssuer';
import { startWorkspaceServer, type WorkspaceServer } from '../../testing/workspaceServer';

/**
 * A signed-in member who opened a document from their lists (no link secret in the page) uses
 * the document's actions with their session and role, as a link holder uses them with the link:
 * export, rename, delete, version history and activity. The server checks the role on each, and
 * every such request that relies on the session cookie needs the app's own Origin.
 */

let workspace: WorkspaceServer;
let ada: OidcBrowser;
let bob: OidcBrowser;
let cleo: OidcBrowser;
let name: string;

beforeAll(async () => {
  workspace = await startWorkspaceServer();
  ada = new OidcBrowser(workspace.url);
  await ada.signIn('ada');
  bob = new OidcBrowser(workspace.url);
  await bob.signIn('bob');
  cleo = new OidcBrowser(workspace.url);
  await cleo.signIn('cleo');
  name = await create('Member actions');
  // Ada owns it; Bob edits it, Cleo views it.
  expect((await ada.call('POST', `/api/workspace/documents/${name}/people`, { email: emailOf('bob'), role: 'editor' })).status).toBe(201);
  expect((await ada.call('POST', `/api/workspace/documents/${name}/people`, { email: emailOf('cleo'), role: 'viewer' })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await workspace?.stop();
});

async function create(title: string): Promise<string> {
  const { status, data } = await ada.call('POST', '/api/app/documents', { title, content: 'Some words to export.', format: 'markdown' });
  expect(status, JSON.stringify(data)).toBe(201);
  return data.name as string;
}

/** The title the owner's lists show for `document`. */
async function titleOf(document: string): Promise<string | undefined> {
  const lists = await ada.call('GET', '/api/workspace/documents');
  return (lists.data.mine as Array<{ name: string; title: string }>).find((entry) => entry.name === document)?.title;
}

/** Exports `document` as `format` with `browser`'s session (no link): the status and the file's bytes. */
async function exportAs(browser: OidcBrowser, document: string, format: 'docx' | 'pdf', origin: string | null = workspace.url) {
  const response = await browser.request(`${workspace.url}/api/app/documents/${document}/export`, {
    method: 'POST',
    body: JSON.stringify({ format }),
    headers: { 'content-type': 'application/json', ...(origin === null ? {} : { origin }) },
  });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('an editor member', () => {
  it('[WS19] renames, exports DOCX and PDF, names a version and reads history and activity without any link', async () => {
    const renamed = await bob.call('PATCH', `/api/app/documents/${name}`, { title: 'Renamed by Bob' });
    expect(renamed, JSON.stringify(renamed.data)).toMatchObject({ status: 200, data: { title: 'Renamed by Bob' } });
    expect(await titleOf(name)).toBe('Renamed by Bob');

    const docx = await exportAs(bob, name, 'docx');
    expect(docx.status).toBe(200);
    expect(docx.type).toContain('wordprocessingml');
    expect(docx.bytes.subarray(0, 2).toString()).toBe('PK');
    const pdf = await exportAs(bob, name, 'pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');

    const named = await bob.call('POST', `/api/app/documents/${name}/history/name`, { label: 'Before the review' });
    expect(named.status, JSON.stringify(named.data)).toBe(200);
    const history = await bob.call('POST', `/api/app/documents/${name}/history`, {});
    expect(history.status).toBe(200);
    expect(history.data.role).toBe('editor');
    const versions = history.data.versions as Array<{ id: number; label: string | null }>;
    const version = versions.find((entry) => entry.label === 'Before the review');
    expect(version).toBeDefined();
    const read = await bob.call('POST', `/api/app/documents/${name}/history/read`, { id: version?.id });
    expect(read.status).toBe(200);
    expect(read.data.title).toBe('Renamed by Bob');

    // The activity names Bob himself (his signed-in id), as a member rather than a link.
    const activity = await bob.call('POST', `/api/app/documents/${name}/audit`, {});
    expect(activity.status).toBe(200);
    expect(activity.data.entries).toContainEqual(
      expect.objectContaining({ action: 'renamed', actor: { id: 'oidc:bob', name: expect.any(String), via: 'member' } }),
    );
  }, 120_000);

  it('[WS19] may not delete the document: only its owner may, who can, and every access record goes with it', async () => {
    const document = await create('Owner deletes');
    await ada.call('POST', `/api/workspace/documents/${document}/people`, { email: emailOf('bob'), role: 'editor' });
    const refused = await bob.call('DELETE', `/api/app/documents/${document}`, {});
    expect(refused.status).toBe(403);
    expect(await titleOf(document)).toBe('Owner deletes');
    const store = workspace.server.server.workspace?.store;
    expect((await store?.membersOf(document))?.map((access) => access.role).sort()).toEqual(['editor', 'owner']);
    const deleted = await ada.call('DELETE', `/api/app/documents/${document}`, {});
    expect(deleted).toMatchObject({ status: 200, data: { deleted: true } });
    expect(await titleOf(document)).toBeUndefined();
    // Nobody keeps access records to a deleted document.
    expect(await store?.membersOf(document)).toEqual([]);
  });
});

describe('a viewer member', () => {
  it('[WS19] exports and reads history, but renaming, deleting, naming or restoring versions and reading activity are refused (403)', async () => {
    const docx = await exportAs(cleo, name, 'docx');
    expect(docx.status).toBe(200);
    expect(docx.bytes.subarray(0, 2).toString()).toBe('PK');
    const history = await cleo.call('POST', `/api/app/documents/${name}/history`, {});
    expect(history).toMatchObject({ status: 200, data: { role: 'viewer' } });
    const before = await titleOf(name);
    expect((await cleo.call('PATCH', `/api/app/documents/${name}`, { title: 'Renamed by Cleo' })).status).toBe(403);
    expect((await cleo.call('DELETE', `/api/app/documents/${name}`, {})).status).toBe(403);
    expect((await cleo.call('POST', `/api/app/documents/${name}/history/name`, { label: 'Cleo was here' })).status).toBe(403);
    const version = (history.data.versions as Array<{ id: number }>)[0];
    expect((await cleo.call('POST', `/api/app/documents/${name}/history/restore`, { id: version.id })).status).toBe(403);
    const activity = await cleo.call('POST', `/api/app/documents/${name}/audit`, {});
    expect(activity).toMatchObject({ status: 403, data: { error: "a viewer may not see the document's activity; its owner and editors may" } });
    expect(await titleOf(name)).toBe(before);
  });
});

describe('share links', () => {
  it('[WS21] the owner and editors manage the links as members: listed without secrets, a reset answers the new secret and ends the old; a viewer may not', async () => {
    const document = await create('Links by members');
    await ada.call('POST', `/api/workspace/documents/${document}/people`, { email: emailOf('bob'), role: 'editor' });
    await ada.call('POST', `/api/workspace/documents/${document}/people`, { email: emailOf('cleo'), role: 'viewer' });
    const listed = await bob.call('POST', `/api/app/documents/${document}/links`, {});
    expect(listed.status).toBe(200);
    expect(listed.data.links).toEqual([
      { kind: 'edit', secret: null, expiresAt: null, expired: false },
      { kind: 'comment', secret: null, expiresAt: null, expired: false },
      { kind: 'view', secret: null, expiresAt: null, expired: false },
    ]);
    expect(listed.data.manages).toEqual(['edit', 'comment', 'view']);

    const reset = await bob.call('POST', `/api/app/documents/${document}/links/view/reset`, {});
    expect(reset.status, JSON.stringify(reset.data)).toBe(200);
    const secret = reset.data.secret as string;
    const stranger = new OidcBrowser(workspace.url);
    expect((await stranger.call('POST', '/api/app/session', { name: document, key: secret })).data.role).toBe('viewer');
    const off = await ada.call('DELETE', `/api/app/documents/${document}/links/view`, {});
    expect(off.status).toBe(200);
    expect((await stranger.call('POST', '/api/app/session', { name: document, key: secret })).data.reason).toBe('link-off');
    const activity = await ada.call('POST', `/api/app/documents/${document}/audit`, {});
    expect(activity.data.entries).toContainEqual(
      expect.objectContaining({ action: 'link-reset', actor: expect.objectContaining({ id: 'oidc:bob', via: 'member' }) }),
    );

    expect((await cleo.call('POST', `/api/app/documents/${document}/links`, {})).data).toMatchObject({ links: [], manages: [] });
    expect((await cleo.call('POST', `/api/app/documents/${document}/links/comment/reset`, {})).status).toBe(403);
    expect((await cleo.call('DELETE', `/api/app/documents/${document}/links/comment`, {})).status).toBe(403);
  });
});

describe('who is refused', () => {
  it('[WS19] someone signed in without access gets 404, as for a document that does not exist; signed out and without a link, 400', async () => {
    const dora = new OidcBrowser(workspace.url);
    await dora.signIn('dora');
    expect((await dora.call('PATCH', `/api/app/documents/${name}`, { title: 'Dora' })).status).toBe(404);
    expect((await exportAs(dora, name, 'docx')).status).toBe(404);
    expect((await dora.call('POST', `/api/app/documents/${name}/history`, {})).status).toBe(404);
    const nobody = new OidcBrowser(workspace.url);
    expect((await nobody.call('PATCH', `/api/app/documents/${name}`, { title: 'Nobody' })).status).toBe(400);
    expect((await exportAs(nobody, name, 'docx')).status).toBe(400);
  });

  it('[WS20] every endpoint that accepts the session cookie refuses a request without the app Origin, or with another site, and changes nothing', async () => {
    const before = await titleOf(name);
    const history = await ada.call('POST', `/api/app/documents/${name}/history`, {});
    const version = (history.data.versions as Array<{ id: number }>)[0];
    const requests: Array<[string, string, Record<string, unknown>]> = [
      ['PATCH', `/api/app/documents/${name}`, { title: 'Forged rename' }],
      ['DELETE', `/api/app/documents/${name}`, {}],
      ['POST', `/api/app/documents/${name}/export`, { format: 'docx' }],
      ['POST', `/api/app/documents/${name}/history`, {}],
      ['POST', `/api/app/documents/${name}/history/read`, { id: version.id }],
      ['POST', `/api/app/documents/${name}/history/name`, { label: 'Forged' }],
      ['POST', `/api/app/documents/${name}/history/restore`, { id: version.id }],
      ['POST', `/api/app/documents/${name}/audit`, {}],
      ['POST', `/api/app/documents/${name}/links`, {}],
      ['POST', `/api/app/documents/${name}/links/view/reset`, {}],
      ['PATCH', `/api/app/documents/${name}/links/view`, { expiresAt: null }],
      ['DELETE', `/api/app/documents/${name}/links/comment`, {}],
    ];
    for (const [method, path, body] of requests) {
      for (const origin of [null, 'https://evil.example']) {
        const answer = await ada.call(method, path, body, origin);
        expect(answer, `${method} ${path} from ${origin ?? 'no Origin'}`).toMatchObject({ status: 403, data: { reason: 'cross-origin' } });
      }
    }
    expect(await titleOf(name)).toBe(before);
    const after = await ada.call('POST', `/api/app/documents/${name}/history`, {});
    expect((after.data.versions as Array<{ label: string | null }>).some((entry) => entry.label === 'Forged')).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../shared/closeCodes';
import { documentNameProblem } from '../../shared/documentName';
import { apiRequest } from '../../testing/apiRequest';
import { hpFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { startTestServer, type TestServer } from '../../testing/testServer';

/**
 * `*` is a token's claim to every document, so no document may be called `*`: the one name rule
 * (`shared/documentName.ts`) refuses it, with a message saying why, at every entry point.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const REFUSED = { code: CloseCodes.InvalidDocumentName.code, reason: CloseCodes.InvalidDocumentName.reason };

describe('reserved document names', () => {
  it('the name rule refuses "*" with a message naming why, and allows names that only contain it', () => {
    expect(documentNameProblem('*')).toMatch(/"\*" is reserved .*every document/);
    expect(documentNameProblem('**')).toBeNull();
    expect(documentNameProblem('notes*')).toBeNull();
  });

  it('connecting to "*" is refused with invalid-document-name on both protocols, even with an all-documents admin token', async () => {
    const token = await server.token({ doc: '*', role: 'admin', sub: 'backend' });
    const hp = await RawSocket.open(server.hocuspocusUrl);
    hp.send(hpFrames.auth('*', token));
    expect(await hp.waitClosed()).toEqual(REFUSED);
    const yw = new RawSocket(`${server.yWebsocketUrl}/${encodeURIComponent('*')}?token=${token}`);
    expect(await yw.waitClosed()).toEqual(REFUSED);
    expect(await server.server.store.getMeta('*')).toBeNull();
  });

  it('the content API refuses to create "*" (400, with the reason)', async () => {
    const token = await server.token({ doc: '*', role: 'admin', sub: 'backend' });
    const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token, body: { name: '*' } });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatch(/reserved/);
    expect(await server.server.store.getMeta('*')).toBeNull();
  });

  it('the app refuses a session for "*" (400, with the reason)', async () => {
    const answer = await apiRequest(server.httpUrl, 'POST', '/api/app/session', { body: { name: '*', key: 'k'.repeat(22), userName: 'Someone' } });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatch(/reserved/);
  });
});

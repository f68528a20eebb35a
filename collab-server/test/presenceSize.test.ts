import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../shared/closeCodes';
import { Bystander } from '../../testing/bystander';
import { EventLoopWatchdog } from '../../testing/eventLoopWatchdog';
import { awarenessUpdate, FrameType, hpFrames, readAwarenessStates, readServerFrame, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * A presence (awareness) state is JSON the server parses on its event loop before the limits
 * extension can measure it: megabytes of nested brackets took seconds (4 MB: a 4.4 s stall). A
 * state whose JSON text passes MAX_PRESENCE_BYTES by more than USER_FIELD_BYTES (room for the
 * `user` field, which the limit does not count) is refused before anything parses it.
 */

const MAX_PRESENCE = 4096;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { maxPresenceBytes: MAX_PRESENCE } });
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

/** A raw Hocuspocus socket authenticated for `presence`. */
async function authenticated(token: string): Promise<RawSocket> {
  const socket = await RawSocket.open(server.hocuspocusUrl);
  socket.send(hpFrames.auth('presence', token));
  expect(await socket.authResult('presence')).toMatch(/^authenticated/);
  return socket;
}

/** The presence states an awareness frame of `presence` carries, or null for other frames. */
function presenceOf(frame: Uint8Array): Map<number, unknown> | null {
  const read = readServerFrame(frame);
  return read.type === FrameType.Awareness && read.address === 'presence' && read.bytes ? readAwarenessStates(read.bytes) : null;
}

/** An awareness update carrying one state of exactly `bytes` bytes of JSON text: brackets nested half as deep. */
function nestedState(clientId: number, bytes: number): Uint8Array {
  const depth = Math.floor((bytes - 6) / 2);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, clientId);
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarString(encoder, `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`.padEnd(bytes, ' '));
  return encoding.toUint8Array(encoder);
}

describe('presence state size', () => {
  it('[L9] a presence state far over MAX_PRESENCE_BYTES closes its sender with presence-too-large before anything parses it, on both protocols; one at the limit (with a user field) is taken; nobody else stalls', async () => {
    const bystander = await Bystander.start({
      httpUrl: server.httpUrl,
      hocuspocusUrl: server.hocuspocusUrl,
      document: 'bystander',
      token: await server.token({ doc: 'bystander', sub: 'bystander' }),
    });
    const watchdog = new EventLoopWatchdog(1000);
    try {
      const token = await server.token({ doc: 'presence' });
      const observer = await authenticated(token);
      const hocuspocus = await authenticated(token);
      // A state of exactly the limit (the user field not counted) is taken: the observer is sent it.
      const padding = MAX_PRESENCE - JSON.stringify({ padding: '' }).length;
      const user = { name: 'A name', color: '#123456' };
      hocuspocus.send(hpFrames.awareness('presence', awarenessUpdate([{ clientId: 7, clock: 1, state: { user, padding: 'x'.repeat(padding) } }])));
      await waitFor(() => observer.received.some((frame) => presenceOf(frame)?.has(7)), { message: 'the state at the limit to reach the observer' });
      expect(hocuspocus.isOpen).toBe(true);
      hocuspocus.send(hpFrames.awareness('presence', nestedState(9, 4 * 1024 * 1024)));
      expect(await hocuspocus.closed).toEqual({ code: CloseCodes.PresenceTooLarge.code, reason: CloseCodes.PresenceTooLarge.reason });
      expect(observer.isOpen).toBe(true);

      const yWebsocket = await RawSocket.open(`${server.yWebsocketUrl}/presence?token=${token}`);
      yWebsocket.send(yFrames.awareness(nestedState(10, 4 * 1024 * 1024)));
      expect(await yWebsocket.closed).toEqual({ code: CloseCodes.PresenceTooLarge.code, reason: CloseCodes.PresenceTooLarge.reason });
    } finally {
      const seen = await bystander.stop();
      expect(seen.worstTypingMs).toBeLessThan(1000);
      expect(seen.worstHealthzMs).toBeLessThan(1000);
      watchdog.stop();
      watchdog.assertNoStall('the event loop while presence states were refused');
    }
  }, 60_000);
});

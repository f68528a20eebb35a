import type { BrowserContext } from '@playwright/test';
import { bodyTextOf, createTitledDocument, freshPage, saveStatusOf, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

/*
 * Going offline in these tests: `context.setOffline(true)` makes new requests and new WebSockets
 * fail, and fires the page's `offline` event, but an already open WebSocket is left silently
 * hanging rather than closed. The app closes its socket itself on `offline` (as it must for a
 * real network loss, which browsers report the same way), so setOffline is a faithful switch.
 * To reload a page while the server is unreachable, the page itself must still load: there the
 * API and the collab socket are blocked by routes instead (see `blockServer`).
 */

/** Makes the collab server unreachable for `context` while pages still load. Returns the undo. */
async function blockServer(context: BrowserContext): Promise<() => Promise<void>> {
  await context.route('**/api/app/**', (route) => route.abort('internetdisconnected'));
  await context.routeWebSocket(/\/collab$/, (socket) => socket.close({ code: 1011, reason: 'blocked by the test' }));
  return async () => {
    await context.unrouteAll({ behavior: 'wait' });
    await context.unrouteAll();
    // routeWebSocket has no unroute of its own: pass every new socket through to the server.
    await context.routeWebSocket(/\/collab$/, (socket) => {
      socket.connectToServer();
    });
  };
}

test('edits made offline are kept, and merge with others’ edits when the connection returns', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Field notes');
  await typeInBody(alice, 'Online line.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect(editorOf(bob)).toContainText('Online line.');

  await alice.context().setOffline(true);
  await expect(saveStatusOf(alice)).toHaveText('Offline — changes kept on this device');
  await typeInBody(alice, ' Written on the train.');
  await expect(saveStatusOf(alice)).toHaveText('Offline — changes kept on this device');
  // Meanwhile Bob, online, writes at the start.
  await editorOf(bob).click();
  await bob.keyboard.press('ControlOrMeta+Home');
  await bob.keyboard.type('Bob first. ');
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  await expect(editorOf(bob)).not.toContainText('train');

  await alice.context().setOffline(false);
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await expect.poll(() => bodyTextOf(bob)).toBe('Bob first. Online line. Written on the train.');
  await expect.poll(() => bodyTextOf(alice)).toBe('Bob first. Online line. Written on the train.');
});

test('offline edits survive closing the tab and a reload while the server is unreachable', async ({ sharedApp: app, browser }) => {
  const context = await browser.newContext();
  const alice = await context.newPage();
  const url = await createTitledDocument(alice, app, 'Kept locally');
  await typeInBody(alice, 'Saved part.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  // Offline typing; closing the tab now asks first (Alice stays).
  await context.setOffline(true);
  await expect(saveStatusOf(alice)).toHaveText('Offline — changes kept on this device');
  await typeInBody(alice, ' Unsaved part.');
  const prompt = new Promise<string>((resolve) =>
    alice.once('dialog', (dialog) => {
      resolve(dialog.type());
      void dialog.dismiss();
    }),
  );
  await alice.close({ runBeforeUnload: true });
  expect(await prompt).toBe('beforeunload');
  expect(alice.isClosed()).toBe(false);

  // With the server still unreachable, another tab opens the document from this device's copy.
  await context.setOffline(false);
  const unblock = await blockServer(context);
  const again = await context.newPage();
  await expect(async () => {
    await again.goto(url);
    await expect(editorOf(again)).toContainText('Saved part. Unsaved part.', { timeout: 2000 });
  }).toPass();
  await expect(saveStatusOf(again)).toHaveText('Offline — changes kept on this device');
  // The first tab goes; a reload of the second, still unable to reach the server, keeps the text.
  await alice.close();
  await again.reload();
  await expect(editorOf(again)).toContainText('Saved part. Unsaved part.');
  await expect(saveStatusOf(again)).toHaveText('Offline — changes kept on this device');

  // Back online: "Retry now" connects at once, and the server gets the offline edits.
  await unblock();
  await again.getByRole('button', { name: 'Retry now' }).click();
  await expect(saveStatusOf(again)).toHaveText('Saved');
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect.poll(() => bodyTextOf(bob)).toBe('Saved part. Unsaved part.');
});

test('closing the tab with everything saved does not ask', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  await createTitledDocument(alice, app, 'Nothing pending');
  await typeInBody(alice, 'All saved.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  let asked = false;
  alice.on('dialog', (dialog) => {
    asked = true;
    void dialog.accept();
  });
  const closed = alice.waitForEvent('close');
  await alice.close({ runBeforeUnload: true });
  await closed;
  expect(asked).toBe(false);
});

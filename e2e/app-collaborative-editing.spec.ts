import { bodyTextOf, freshPage, saveStatusOf, titleOf, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

test('undo and redo are per user: undo never takes back someone else’s typing', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createDocument(alice, app);
  const bob = await freshPage(browser);
  await bob.goto(url);
  await typeInBody(alice, 'Alice wrote this.');
  await expect(editorOf(bob)).toContainText('Alice wrote this.');
  await editorOf(bob).click();
  await bob.keyboard.press('ControlOrMeta+End');
  await bob.keyboard.press('Enter');
  await bob.keyboard.type('Bob wrote that.');
  await expect(editorOf(alice)).toContainText('Bob wrote that.');

  // Alice undoes (her typing may form more than one undo step): her own sentence goes, Bob's
  // stays, for both of them.
  await editorOf(alice).click();
  const undo = alice.getByRole('button', { name: 'Undo', exact: true });
  for (let step = 0; step < 20 && (await undo.isEnabled()); step++) await alice.keyboard.press('ControlOrMeta+z');
  await expect(editorOf(alice)).not.toContainText('Alice wrote this.');
  await expect(editorOf(alice)).toContainText('Bob wrote that.');
  await expect(editorOf(bob)).not.toContainText('Alice wrote this.');
  await expect(editorOf(bob)).toContainText('Bob wrote that.');
  // Nothing of Alice's is left to undo; the toolbar says so, and Bob's text survives another try.
  await expect(undo).toBeDisabled();
  await alice.keyboard.press('ControlOrMeta+z');
  await expect(editorOf(alice)).toContainText('Bob wrote that.');
  await expect(editorOf(bob)).toBeEditable();

  // Redo brings hers back, from the toolbar.
  const redo = alice.getByRole('button', { name: 'Redo', exact: true });
  for (let step = 0; step < 20 && (await redo.isEnabled()); step++) await redo.click();
  await expect(editorOf(bob)).toContainText('Alice wrote this.');
  await expect(editorOf(bob)).toContainText('Bob wrote that.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await expect(saveStatusOf(bob)).toHaveText('Saved');
});

test('the title is synced live to everyone and shown in the tab and the list', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createDocument(alice, app);
  const bob = await freshPage(browser);
  await bob.goto(url);
  await titleOf(alice).click();
  await alice.keyboard.type('Weekly sync');
  await expect(titleOf(bob)).toHaveValue('Weekly sync');
  await expect(bob).toHaveTitle('Weekly sync · Quire');
  // Both type into the title at once: neither loses their typing.
  await titleOf(bob).click();
  await bob.keyboard.press('Home');
  await bob.keyboard.type('Our ');
  await alice.keyboard.press('End');
  await alice.keyboard.type(' notes');
  await expect(titleOf(alice)).toHaveValue('Our Weekly sync notes');
  await expect(titleOf(bob)).toHaveValue('Our Weekly sync notes');
  // Enter in the title moves on to the body.
  await alice.keyboard.press('Enter');
  await alice.keyboard.type('Body text');
  await expect.poll(() => bodyTextOf(bob)).toBe('Body text');
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  await bob.goto(app.url);
  await expect(bob.getByRole('list', { name: 'Documents' })).toContainText('Our Weekly sync notes');
});

test('two people typing in the title at the same moment keep every character, in order, and their cursors', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createDocument(alice, app);
  const bob = await freshPage(browser);
  await bob.goto(url);
  await titleOf(alice).click();
  await alice.keyboard.type('middle');
  await expect(titleOf(bob)).toHaveValue('middle');
  await titleOf(bob).click();
  await bob.keyboard.press('Home');
  await alice.keyboard.press('End');
  // Each key lands while the other's keys keep arriving: a remote change shown late would move
  // the cursor, or be undone by the next local key.
  const front = 'front words typed by bob ';
  const back = ' back words typed by alice';
  await Promise.all([bob.keyboard.type(front), alice.keyboard.type(back)]);
  const expected = `${front}middle${back}`;
  await expect(titleOf(alice)).toHaveValue(expected);
  await expect(titleOf(bob)).toHaveValue(expected);
});

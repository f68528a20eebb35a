import type { Page } from '@playwright/test';
import { createTitledDocument, freshPage, peopleOf, selectionSettled, setName, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

const caretLabels = (page: Page) => editorOf(page).locator('.collaboration-carets__label');

test('people in a document: avatars, named carets and selections in their colors, names remembered', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Together');
  // A sensible default name before anyone chooses one.
  await expect(alice.getByRole('button', { name: /^You: Anonymous \w+/ })).toBeVisible();
  await setName(alice, 'Alice Liddell');
  await expect(peopleOf(alice)).toHaveAttribute('aria-label', 'Only you are here');

  const bob = await freshPage(browser);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect(peopleOf(alice)).toHaveAttribute('aria-label', '2 people here: Alice Liddell (you), Bob');
  await expect(peopleOf(bob)).toHaveAttribute('aria-label', '2 people here: Bob (you), Alice Liddell');
  await expect(peopleOf(bob).getByRole('button', { name: 'You: Bob. Change your name' })).toHaveText('B');
  await expect(peopleOf(bob).getByRole('img', { name: 'Alice Liddell' })).toHaveText('AL');

  // Bob's caret shows in Alice's editor with his name; his selection is tinted in his color.
  await typeInBody(bob, 'Bob is typing here');
  await expect(caretLabels(alice)).toHaveText('Bob');
  const bobColor = await peopleOf(alice)
    .getByRole('img', { name: 'Bob' })
    .evaluate((element) => getComputedStyle(element).backgroundColor);
  await expect(caretLabels(alice)).toHaveCSS('background-color', bobColor);
  await bob.keyboard.press('Shift+Home');
  await selectionSettled(bob);
  await expect(editorOf(alice).locator('.ProseMirror-yjs-selection')).toHaveText('Bob is typing here');

  // A renamed person is shown with the new name everywhere; the name is remembered.
  await setName(bob, 'Robert');
  await expect(peopleOf(alice)).toHaveAttribute('aria-label', '2 people here: Alice Liddell (you), Robert');
  await editorOf(bob).click();
  await expect(caretLabels(alice)).toHaveText('Robert');
  await bob.reload();
  await expect(bob.getByRole('button', { name: 'You: Robert. Change your name' })).toBeVisible();
  await bob.goto(app.url);
  await expect(bob.getByRole('button', { name: 'Your name: Robert. Change it' })).toBeVisible();
  // Bob left: Alice is alone again.
  await expect(peopleOf(alice)).toHaveAttribute('aria-label', 'Only you are here');
});

test('the name others see comes from the token: a page cannot present itself as someone else', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Who is who');
  await setName(alice, 'Alice');
  const bob = await freshPage(browser);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect(peopleOf(alice)).toHaveAttribute('aria-label', '2 people here: Alice (you), Bob');

  // Bob's page rewrites its own presence to claim Alice's name; the server puts back the token's.
  await bob.evaluate(() => {
    const dom = document.querySelector('.tiptap') as HTMLElement & { editor: { commands: { updateUser(user: object): boolean } } };
    dom.editor.commands.updateUser({ name: 'Alice', color: '#000000' });
  });
  await typeInBody(bob, 'Not Alice.');
  await expect(editorOf(alice)).toContainText('Not Alice.');
  await expect(caretLabels(alice)).toHaveText('Bob');
  await expect(peopleOf(alice)).toHaveAttribute('aria-label', '2 people here: Alice (you), Bob');
});

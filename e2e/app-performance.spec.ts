import { createTitledDocument, freshPage, saveStatusOf, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

const RUNS = 5;

// Trace recording snapshots every step of the page and would slow what is being measured.
test.use({ trace: 'off' });

/*
 * Cold load of the editor page against the production build (`start.ts`, as `npm start` runs
 * it): each run is a new browser context (empty cache, no IndexedDB copy), timed inside the page
 * from navigation start until the editor is editable and shows the document's text. The numbers
 * are reported, not asserted: speed targets belong in benchmarks, not in pass/fail tests.
 */
test('cold load: the editor page becomes editable with the document shown (reported, median of 5)', async ({ sharedApp: app, browser }, testInfo) => {
  const author = await freshPage(browser);
  const url = await createTitledDocument(author, app, 'Load timing');
  await typeInBody(author, 'A paragraph that must be on screen before the page counts as ready.');
  await expect(saveStatusOf(author)).toHaveText('Saved');
  await author.context().close();

  const timings: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await freshPage(browser);
    await page.addInitScript(() => {
      const check = () => {
        const body = document.querySelector('.tiptap[contenteditable="true"]');
        if (body?.textContent?.includes('before the page counts as ready')) {
          (window as unknown as { editorReadyAt: number }).editorReadyAt = performance.now();
          return;
        }
        requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    await page.goto(url);
    await expect(editorOf(page)).toBeEditable();
    await expect(editorOf(page)).toContainText('before the page counts as ready');
    const readyAt = await page.waitForFunction(() => (window as unknown as { editorReadyAt?: number }).editorReadyAt);
    timings.push(Math.round((await readyAt.jsonValue()) as number));
    await page.context().close();
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const summary = `cold load to editable editor with content: median ${median} ms (runs: ${timings.join(', ')} ms)`;
  testInfo.annotations.push({ type: 'cold-load', description: summary });
  console.log(summary);
  expect(timings).toHaveLength(RUNS);
});

/** A long document: headings every tenth block, and bold words in every paragraph. */
function longDocumentHtml(blocks: number): string {
  return Array.from({ length: blocks }, (_, index) =>
    index % 10 === 0
      ? `<h${(index / 10) % 3 === 0 ? 1 : 2}>Section ${index / 10}</h${(index / 10) % 3 === 0 ? 1 : 2}>`
      : `<p>Paragraph ${index} has <strong>some bold words</strong> and plain words that go on for a while, as real writing does.</p>`,
  ).join('');
}

/*
 * Typing latency in a long document: from each keydown (its event time) to the end of the next
 * animation frame after it, inside the page, which is when the typed character can be on screen.
 * Reported, not asserted (see above).
 */
test('typing latency: keydown to the next frame in a 400-block document (reported)', async ({ sharedApp: app, browser }, testInfo) => {
  const page = await freshPage(browser);
  await createTitledDocument(page, app, 'Typing timing');
  await page.evaluate((html) => {
    const editor = (document.querySelector('.tiptap') as HTMLElement & { editor: { commands: { setContent: (html: string) => void } } }).editor;
    editor.commands.setContent(html);
  }, longDocumentHtml(400));
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await editorOf(page).locator('p').nth(200).click();
  await page.keyboard.press('End');
  await page.evaluate(() => {
    const samples: number[] = [];
    (window as unknown as { typingSamples: number[] }).typingSamples = samples;
    document.addEventListener(
      'keydown',
      (event) => {
        const start = event.timeStamp;
        requestAnimationFrame(() => setTimeout(() => samples.push(performance.now() - start), 0));
      },
      true,
    );
  });
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(5);
  await page.keyboard.type(text, { delay: 30 });
  await expect(
    editorOf(page)
      .locator('p')
      .nth(200 - 20),
  ).toBeVisible();
  await expect.poll(() => page.evaluate(() => (window as unknown as { typingSamples: number[] }).typingSamples.length)).toBe(text.length);
  const samples = (await page.evaluate(() => (window as unknown as { typingSamples: number[] }).typingSamples)).sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))].toFixed(1);
  const summary = `typing latency over ${samples.length} keystrokes: median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${samples[samples.length - 1].toFixed(1)} ms`;
  testInfo.annotations.push({ type: 'typing-latency', description: summary });
  console.log(summary);
  await expect(editorOf(page)).toContainText('The quick brown fox');
  await page.context().close();
});

/*
 * The JavaScript of the editor page (a new browser context, so nothing is cached), from the
 * browser's resource timing: the scripts requested before the editor was editable (what stands
 * between a person and typing), and those requested after it (panels fetched once the editor is
 * up, or when first used: find, outline, / menu, shortcut list). Decoded size and bytes on the
 * wire. Reported.
 */
test('editor page JavaScript: scripts requested before and after the editor is editable (reported)', async ({ sharedApp: app, browser }, testInfo) => {
  const author = await freshPage(browser);
  const url = await createTitledDocument(author, app, 'Bundle size');
  await author.context().close();

  const page = await freshPage(browser);
  await page.addInitScript(() => {
    const check = () => {
      if (document.querySelector('.tiptap[contenteditable="true"]')) {
        (window as unknown as { editableAt: number }).editableAt = performance.now();
        return;
      }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  await page.goto(url);
  await expect(editorOf(page)).toBeEditable();
  await expect(saveStatusOf(page)).toHaveText('Saved');
  // Use what loads later, so that it is counted too.
  await page.keyboard.press('ControlOrMeta+f');
  await expect(page.getByRole('dialog', { name: 'Find and replace' })).toBeVisible();
  await page.keyboard.press('Escape');
  await editorOf(page).click();
  await page.keyboard.type('/');
  await expect(page.getByRole('listbox', { name: 'Insert a block' })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.keyboard.press('ControlOrMeta+/');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  const { editableAt, scripts } = await page.evaluate(() => ({
    editableAt: (window as unknown as { editableAt: number }).editableAt,
    scripts: (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((entry) => entry.initiatorType === 'script' || new URL(entry.name).pathname.endsWith('.js'))
      .map((entry) => ({ url: new URL(entry.name).pathname, start: entry.startTime, decoded: entry.decodedBodySize, transferred: entry.encodedBodySize })),
  }));
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const report = (label: string, list: typeof scripts) => {
    const decoded = list.reduce((sum, script) => sum + script.decoded, 0);
    const transferred = list.reduce((sum, script) => sum + script.transferred, 0);
    const summary = `${label}: ${list.length} files, ${kib(decoded)} KiB decoded, ${kib(transferred)} KiB transferred`;
    testInfo.annotations.push({ type: 'editor-scripts', description: summary });
    console.log(summary);
    for (const script of [...list].sort((a, b) => b.decoded - a.decoded)) console.log(`  ${kib(script.decoded).padStart(7)} KiB  ${script.url}`);
  };
  report(
    'editor page scripts requested before the editor was editable',
    scripts.filter((script) => script.start < editableAt),
  );
  report(
    'scripts requested after it (panels, / menu, shortcut list)',
    scripts.filter((script) => script.start >= editableAt),
  );
  expect(scripts.length).toBeGreaterThan(0);
  await page.context().close();
});

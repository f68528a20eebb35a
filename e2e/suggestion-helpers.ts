import type { Page } from '@playwright/test';

/** The texts of the suggestions matching `selector` in the page's body, without remote carets' name labels. */
function suggested(page: Page, selector: string): Promise<string[]> {
  return page.locator(`.tiptap ${selector}`).evaluateAll((elements) =>
    elements.map((element) => {
      const copy = element.cloneNode(true) as HTMLElement;
      for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
      return copy.textContent ?? '';
    }),
  );
}

/** The texts of the suggested insertions shown in the page's body. */
export const insertedTexts = (page: Page) => suggested(page, 'ins.suggestion-insert');

/** The texts of the suggested deletions shown in the page's body. */
export const deletedTexts = (page: Page) => suggested(page, 'del.suggestion-delete');

/** The texts of the suggested formatting changes shown in the page's body ([SG12]). */
export const formattedTexts = (page: Page) => suggested(page, 'span.suggestion-format');

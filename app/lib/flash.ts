const KEY = 'quire.flash';

/** Leaves a one-time message for the next page of this tab (kept out of the URL). */
export function setFlash(message: string): void {
  try {
    sessionStorage.setItem(KEY, message);
  } catch {
    // No storage: the message is a courtesy.
  }
}

/** The message left for this page, removed as it is read. */
export function takeFlash(): string | null {
  try {
    const message = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
    return message;
  } catch {
    return null;
  }
}

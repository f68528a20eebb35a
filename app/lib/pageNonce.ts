/**
 * The nonce of the page's Content-Security-Policy, read from the page's own scripts (Next.js puts
 * the request's nonce on every script it writes), for the `<style>` element the editor adds at run
 * time. Undefined when the page's scripts carry none (a host page without a nonce policy).
 */
export function pageNonce(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  // Browsers hide the attribute's value once the page is parsed; the `nonce` property keeps it.
  return document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce || undefined;
}

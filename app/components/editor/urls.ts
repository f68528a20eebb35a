/**
 * A typed address made usable: trimmed, `https://` added when no scheme is given, and accepted
 * only with one of `protocols` (so no `javascript:` links). Null when it is not a valid URL.
 */
export function normalizeUrl(input: string, protocols: string[]): string | null {
  const trimmed = input.trim();
  if (!trimmed) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`;
  try {
    const url = new URL(withScheme);
    if (!protocols.includes(url.protocol)) return null;
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.hostname.includes('.') && url.hostname !== 'localhost') return null;
    return url.href;
  } catch {
    return null;
  }
}

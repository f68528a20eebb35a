/**
 * Document name rules, shared by the server (which enforces them) and the app (which creates
 * names). A name is 1 to `maxLength` characters, has no control characters, no `/` or `\`,
 * no `..`, no leading or trailing whitespace, and is not a reserved name.
 */

/** The default longest accepted name, in characters. */
export const DEFAULT_MAX_NAME_LENGTH = 200;

/** Names that mean something else: `*` is a token's claim to every document, never one document. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['*']);

/** Why `name` is not a valid document name, or null when it is. */
export function documentNameProblem(name: string, maxLength = DEFAULT_MAX_NAME_LENGTH): string | null {
  if (name.length === 0) return 'the document name is empty';
  if (name.length > maxLength) return `the document name is ${name.length} characters long; at most ${maxLength} are allowed`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'the document name contains a control character';
  if (/[/\\]/.test(name)) return 'the document name contains "/" or "\\"';
  if (name.includes('..')) return 'the document name contains ".."';
  if (name.trim() !== name) return 'the document name starts or ends with whitespace';
  if (RESERVED_NAMES.has(name))
    return `the document name ${JSON.stringify(name)} is reserved (in a token, "doc": "*" means every document); choose another name`;
  return null;
}

/** A new random document name: 16 characters of base64url (96 bits), safe in URLs. */
export function newDocumentName(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

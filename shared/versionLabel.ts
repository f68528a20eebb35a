/** The longest version name, in characters. */
export const MAX_VERSION_LABEL_LENGTH = 100;

/**
 * A version name as stored: one line, control characters turned into spaces, trimmed. Null when
 * nothing is left (an empty name is no name) or when `value` is longer than allowed.
 */
export function versionLabelOf(value: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: line breaks and control characters have no place in a name.
  const label = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return label.length === 0 || label.length > MAX_VERSION_LABEL_LENGTH ? null : label;
}

/**
 * The roles a token grants and what each allows: the parts of the token rules that browser code
 * needs (the editor, `@quire/react`), without the signing code of `token.ts`.
 */

/** The roles, least powerful first: a commenter reads and comments, an editor also writes the text. */
export const ROLES = ['viewer', 'commenter', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when the role may change content. */
export function canWrite(role: Role): boolean {
  return role === 'editor' || role === 'admin';
}

/** True when the role may write comments (everyone but viewers). */
export function canComment(role: Role): boolean {
  return role !== 'viewer';
}

const PALETTE = ['#e5484d', '#f76b15', '#ffc53d', '#46a758', '#12a594', '#0090ff', '#6e56cf', '#d6409f', '#8e4ec6', '#3e63dd'];

/** The presence color of a user: derived from `sub`, so a client cannot pick someone else's. */
export function colorFor(sub: string): string {
  let hash = 0;
  for (let i = 0; i < sub.length; i++) hash = (hash * 31 + sub.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

import { ROLES, type Role } from './token';

/**
 * The kinds of share link a document can have, most powerful first. Each opens the document with
 * one role; the server, the API and the Share dialog all read this table, so a new kind of link
 * is one more row (and its role in `shared/token.ts`).
 */
export const LINK_KINDS = [
  { kind: 'edit', role: 'editor', label: 'Edit link', description: 'Can change the document, rename and delete it.' },
  { kind: 'comment', role: 'commenter', label: 'Comment link', description: 'Can read the document and comment on it; cannot change its text.' },
  { kind: 'view', role: 'viewer', label: 'View-only link', description: 'Can read the document and see who is in it; cannot change anything.' },
] as const satisfies ReadonlyArray<{ kind: string; role: Role; label: string; description: string }>;

/** A kind of share link (`edit`, `view`, …). */
export type LinkKind = (typeof LINK_KINDS)[number]['kind'];

/** One row of `LINK_KINDS`. */
export type LinkKindInfo = (typeof LINK_KINDS)[number];

/** True when `value` names a kind of link. */
export function isLinkKind(value: unknown): value is LinkKind {
  return LINK_KINDS.some((entry) => entry.kind === value);
}

/** The row of `kind`. */
export function linkKindInfo(kind: LinkKind): LinkKindInfo {
  return LINK_KINDS.find((entry) => entry.kind === kind) as LinkKindInfo;
}

/** The role a link of `kind` opens the document with. */
export function roleOfLink(kind: LinkKind): Role {
  return linkKindInfo(kind).role;
}

/** How much a role may do, for comparing roles: viewer < commenter < editor < admin. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** The kinds of link whose role is at most `role`: the links someone with `role` may see or hand out. */
export function kindsUpTo(role: Role): LinkKind[] {
  return LINK_KINDS.filter((entry) => roleRank(entry.role) <= roleRank(role)).map((entry) => entry.kind);
}

/** The kinds of link that open more than `kind` does (their holders may see a link of `kind`). */
export function kindsAbove(kind: LinkKind): LinkKind[] {
  const rank = roleRank(roleOfLink(kind));
  return LINK_KINDS.filter((entry) => roleRank(entry.role) > rank).map((entry) => entry.kind);
}

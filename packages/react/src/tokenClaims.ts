import { ROLES, type Role } from '../../../shared/roles';

/** What an editor in the browser reads from its token: who it is and what it may do. */
export interface VisibleClaims {
  sub: string;
  name: string;
  doc: string;
  role: Role;
}

/**
 * The claims of a collab token, read without checking the signature (the browser does not have
 * the secret; the server checks it). Used only to choose what to show, such as a read-only
 * editor for a viewer token; null when the token cannot be read.
 */
export function readClaims(token: string): VisibleClaims | null {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
    if (typeof json.sub !== 'string' || typeof json.doc !== 'string' || !ROLES.includes(json.role)) return null;
    return { sub: json.sub, name: typeof json.name === 'string' && json.name ? json.name : json.sub, doc: json.doc, role: json.role };
  } catch {
    return null;
  }
}

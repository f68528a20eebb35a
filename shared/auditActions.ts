/**
 * What a document's audit log records, with the words the Activity panel shows for each. The
 * server, the API and the app all read this table, so a new kind of event is one more row.
 */
export const AUDIT_ACTIONS = {
  opened: 'opened the document',
  'link-created': 'turned on the {kind} link',
  'link-reset': 'reset the {kind} link',
  'link-off': 'turned off the {kind} link',
  'link-expiry': 'changed when the {kind} link expires',
  renamed: 'renamed the document',
  deleted: 'deleted the document',
  'version-restored': 'restored a version',
} as const;

/** Something a document's audit log records (`opened`, `link-reset`, …). */
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** The most entries one page of a document's audit log holds, and how many it holds unless asked. */
export const AUDIT_PAGE = { max: 200, default: 50 } as const;

/** What an entry says happened, for a person: "reset the view link". */
export function describeAuditAction(action: string, detail: Record<string, unknown>): string {
  const text: string = (AUDIT_ACTIONS as Record<string, string>)[action] ?? action;
  return text.replace('{kind}', typeof detail.kind === 'string' ? detail.kind : 'a');
}

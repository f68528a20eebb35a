import type { afterHandleMessagePayload, afterLoadDocumentPayload, beforeHandleMessagePayload, Connection, Extension } from '@hocuspocus/server';
import type { Schema } from '@tiptap/pm/model';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import type { BodyProblem } from '../../shared/bodyReader';
import { CloseCodes } from '../../shared/closeCodes';
import { BODY_FIELD } from '../../shared/documentFields';
import { type SchemaRules, schemaRulesOf } from '../../shared/schemaRules';
import type { Writer } from '../comments/commentGuard';
import { isConnectionContext } from '../context';
import { SERVER_IDENTITY } from '../documents/DocumentService';
import type { Logger } from '../logger';
import { missingDependencies } from '../schema/missingDependencies';
import { dropFromPending } from '../schema/pendingStructs';
import { repairBody, repairElements } from '../schema/repairBody';
import { elementsToRepair } from '../schema/structureCheck';
import { checkUpdate, type Refusal } from '../schema/updateGuard';
import { LiveTypes } from '../schema/updateStructs';
import { recordSuggestions, unrecordedSuggestions } from '../suggestions/suggestionAuthors';
import { suggestionProblem } from '../suggestions/suggestionGuard';
import { MessageType, readHeader, SyncStep } from '../transport/frames';

/** How much content waiting for missing dependencies a document may hold (see [G10]). */
export const MAX_PENDING_BYTES = 1024 * 1024;

export interface SchemaOptions {
  schema: Schema;
  logger: Logger;
  /** Told of each refused update, with the rule it broke. */
  onRefused?: (rule: string) => void;
  /** Told of each repair the server made, and when (`load`, `update`). */
  onRepaired?: (when: 'load' | 'update') => void;
  maxPendingBytes?: number;
}

/**
 * Keeps every document's body valid for the editor schema (`shared/SCHEMA-RULES.md`):
 * - every update a client sends, on either protocol, is checked before it is applied; one that
 *   breaks the schema is not applied, stored or relayed, and its sender is closed with
 *   `invalid-content` (or `document-replaced` when it writes the document identity);
 * - a document loaded with invalid content (stored before these checks, or restored), and one
 *   whose structure concurrent deletions left invalid (two people deleting the last items of a
 *   list), is repaired as a change by the server, touching only what is invalid.
 *
 * The check and the application happen in the same turn of the event loop: the check looks at
 * the live document and its pending set, and anything applied in between (another connection's
 * update, in a gap between Hocuspocus' asynchronous steps) could make the update land elsewhere
 * than checked. So an accepted update is applied here; Hocuspocus applies it once more right after,
 * which changes nothing (Yjs skips what a document already has) and sends the acknowledgement.
 *
 * Writes into the comment threads are checked for everyone against the writer's token identity
 * ([CM1]–[CM8] of `shared/comments/COMMENTS.md`). Commenters are read-only connections, like
 * viewers, so Hocuspocus drops whatever they write; an update of theirs that writes only into the
 * comment threads is checked and applied here instead, and the connection is writable for that
 * one message only, so Hocuspocus acknowledges it like an editor's ([CM9]).
 */
export class SchemaExtension implements Extension {
  readonly extensionName = 'Schema';
  private readonly liveTypes = new WeakMap<Y.Doc, LiveTypes>();
  private readonly rules: SchemaRules;
  /** Commenter connections made writable for the message being handled (see `beforeHandleMessage`). */
  private readonly writableForMessage = new WeakSet<Connection>();

  constructor(private readonly options: SchemaOptions) {
    this.rules = schemaRulesOf(options.schema);
  }

  async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload): Promise<void> {
    this.repair(documentName, document, 'load');
    // Suggestions stored before the server recorded their authors are taken as they are ([SG11]).
    const unrecorded = unrecordedSuggestions(document);
    if (unrecorded.length > 0) this.asServer(document, () => recordSuggestions(document, unrecorded));
  }

  async beforeHandleMessage({ documentName, document, connection, update: frame, socketId, context }: beforeHandleMessagePayload): Promise<void> {
    const update = clientUpdate(frame);
    if (!update) return;
    const writer: Writer | undefined = isConnectionContext(context) ? { id: context.user.id, role: context.role } : undefined;
    const commenter = connection.readOnly && writer?.role === 'commenter';
    // Viewers' writes are dropped by Hocuspocus (read-only connections); nothing to check.
    if (connection.readOnly && !commenter) return;
    // Nothing of a commenter's may wait in the pending set: it would be applied later without the
    // commenter's checks, by whichever update completes it ([G10]). An editor's waiting content is
    // checked against the schema once its place is known (an editor's honest edits race ahead of
    // the sync after every reconnection, most of all after a failover, so they must not be refused).
    if (commenter) {
      const missing = missingDependencies(document, update);
      if (missing) this.refuse(documentName, socketId, { close: CloseCodes.MissingDependencies, rule: 'G10', message: missing });
    }
    const result = checkUpdate(document, update, {
      rules: this.rules,
      live: this.liveTypesOf(document),
      maxPendingBytes: this.options.maxPendingBytes ?? MAX_PENDING_BYTES,
      writer,
      deletedFields: commenter,
    });
    // A commenter's write into anything but the comment threads and suggestions is dropped whole, as a viewer's is.
    if (commenter && writer && !this.commenterMayWrite(document, update, result.fields, writer)) return;
    if (result.dropPending.size > 0) {
      this.options.logger.warn(
        { document: documentName, socket: socketId, clients: [...result.dropPending.keys()] },
        'content waiting for missing dependencies broke the document schema once they arrived; it is dropped',
      );
      dropFromPending(document, result.dropPending);
    }
    if (result.refusal) this.refuse(documentName, socketId, result.refusal);
    let applied: Y.Transaction | null = null;
    const observe = (transaction: Y.Transaction) => {
      applied ??= transaction;
    };
    document.on('afterTransaction', observe);
    try {
      Y.applyUpdate(document, update, { source: 'connection', connection });
    } finally {
      document.off('afterTransaction', observe);
    }
    // Only what the update changed can have become invalid: that is repaired, not the whole body.
    const transaction = applied as Y.Transaction | null;
    if (transaction) {
      const suspects = elementsToRepair(transaction, this.rules, result.recheck);
      if (suspects.length > 0) this.repair(documentName, document, 'update', suspects);
    }
    if (result.suggestions.size > 0) this.asServer(document, () => recordSuggestions(document, result.suggestions.values()));
    if (commenter) {
      connection.readOnly = false;
      this.writableForMessage.add(connection);
    }
  }

  /**
   * A commenter writes only comment threads ([CM9]) and suggestions in the body ([SG7]): an
   * update writing anything else, or body content that is not purely their suggestion, is not theirs to write.
   */
  private commenterMayWrite(document: Y.Doc, update: Uint8Array, fields: Set<string>, writer: Writer): boolean {
    if (fields.size === 0 || [...fields].some((field) => field !== 'comments' && field !== 'body')) return false;
    return !fields.has('body') || suggestionProblem(document, update, writer.id, this.liveTypesOf(document)) === null;
  }

  /** Refuses the update being handled: counted, logged, and its sender closed. */
  private refuse(documentName: string, socketId: string, { close, rule, message }: Refusal): never {
    this.options.onRefused?.(rule);
    this.options.logger.warn({ event: 'update-refused', document: documentName, socket: socketId, rule, reason: close.reason }, `update refused: ${message}`);
    throw close;
  }

  /** A commenter's connection is read-only again once its comment write was handled. */
  async afterHandleMessage({ connection }: afterHandleMessagePayload): Promise<void> {
    if (!this.writableForMessage.delete(connection)) return;
    connection.readOnly = true;
  }

  /** Runs `change` on `document` as a change by the server. */
  private asServer(document: Y.Doc, change: () => void): void {
    document.transact(change, { source: 'local', context: SERVER_IDENTITY });
  }

  /** Repairs the body of `document` (only `elements` of it, when given) as the server, if it needs it, and says so. */
  private repair(documentName: string, document: Y.Doc, when: 'load' | 'update', elements?: Y.XmlElement[]): void {
    let problems: BodyProblem[] = [];
    this.asServer(document, () => {
      problems = elements ? repairElements(elements, this.options.schema) : repairBody(document.getXmlFragment(BODY_FIELD), this.options.schema);
    });
    if (problems.length === 0) return;
    this.options.onRepaired?.(when);
    this.options.logger.warn(
      { event: 'document-repaired', document: documentName, when, problems: problems.slice(0, 20) },
      `the document held content the schema does not allow (${problems.length} problem${problems.length === 1 ? '' : 's'}); the server repaired it`,
    );
  }

  private liveTypesOf(document: Y.Doc): LiveTypes {
    let live = this.liveTypes.get(document);
    if (!live) {
      live = new LiveTypes();
      this.liveTypes.set(document, live);
    }
    return live;
  }
}

/** The Yjs update a client frame carries (sync step 2 or update, on either sync message type), or null. */
function clientUpdate(frame: Uint8Array): Uint8Array | null {
  const { type, decoder } = readHeader(frame);
  if (type !== MessageType.Sync && type !== MessageType.SyncReply) return null;
  const step = decoding.readVarUint(decoder);
  if (step !== SyncStep.Step2 && step !== SyncStep.Update) return null;
  return decoding.readVarUint8Array(decoder);
}

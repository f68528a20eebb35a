import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import type { DocumentStore } from '../../persistence/DocumentStore';
import { IDENTITY_FIELD, INCARNATION_KEY } from '../../shared/documentFields';
import { overriding } from './storeOverrides';

/**
 * Every document the server creates gets an identity of its own ([I1] in
 * `shared/SCHEMA-RULES.md`): a random incarnation id in the `identity` map, written in its first
 * update. A name deleted and created again is another document: a client still holding the old
 * one's state holds the old identity, which it sends back when it syncs, and the update guard
 * refuses any client write to that map with `document-replaced` ([I2]).
 */

/** A Yjs update that writes a new, random incarnation id. */
export function identityUpdate(): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.getMap(IDENTITY_FIELD).set(INCARNATION_KEY, randomBytes(16).toString('base64url'));
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** The incarnation id of a document, or null for one created before documents had one. */
export function incarnationOf(doc: Y.Doc): string | null {
  const value = doc.getMap(IDENTITY_FIELD).get(INCARNATION_KEY);
  return typeof value === 'string' ? value : null;
}

/**
 * `store`, whose `create` writes an identity into every new document, whatever creates it (the
 * app's routes, the content API, an editor's first connection, `DocumentService`): the initial
 * update becomes the given one merged with `identityUpdate()`. Everything else passes through.
 */
export function withDocumentIdentity(store: DocumentStore): DocumentStore {
  const create: DocumentStore['create'] = (name, init = {}) => {
    const identity = identityUpdate();
    return store.create(name, { ...init, update: init.update ? Y.mergeUpdates([init.update, identity]) : identity });
  };
  return overriding(store, { create });
}

/** The IndexedDB database holding this browser's copy of a document. */
export function localDatabaseName(documentName: string): string {
  return `quire-doc:${documentName}`;
}

/** Drops this browser's copy of a document (after it was deleted). */
export function deleteLocalCopy(documentName: string): void {
  indexedDB.deleteDatabase(localDatabaseName(documentName));
}

/** A version as the content API and the app's history endpoints describe it (JSON). */
export interface VersionDescription {
  id: number;
  /** ISO 8601: when the version was captured. */
  created: string;
  /** The version's name, or null for an automatic version. */
  label: string | null;
  /** Everyone who changed the document between the previous version and this one. */
  authors: Array<{ id: string; name: string; color: string }>;
  /** Bytes stored for this version (its changes since the previous version). */
  bytes: number;
  /** When this version restored an earlier one: which. */
  restoredFrom: { id: number; created: string; label: string | null } | null;
}

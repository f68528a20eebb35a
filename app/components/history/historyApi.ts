import type { JSONContent } from '@tiptap/core';
import type { VersionDescription } from '../../../shared/versionDescription';
import { ApiError, linkField, NetworkError } from '../../lib/api';

/** A version as the server describes it. */
export type Version = VersionDescription;

/** A version's content: its title and its body as ProseMirror JSON. */
export interface VersionContent {
  version: Version;
  title: string;
  content: JSONContent;
}

/**
 * The version history endpoints of the app (`/api/app/documents/<name>/history…`). The link
 * secret goes in the request body, never in the address.
 */
export class HistoryApi {
  constructor(
    private readonly name: string,
    private readonly key: string,
  ) {}

  /** Every version, newest first, and the role this link has. */
  list(): Promise<{ role: string; versions: Version[] }> {
    return this.post('', {});
  }

  /** One version's title and body. */
  read(id: number): Promise<VersionContent> {
    return this.post('/read', { id });
  }

  /** Saves the current state as a version named `label` (edit link only). */
  async nameCurrent(label: string): Promise<Version> {
    return (await this.post<{ version: Version }>('/name', { label })).version;
  }

  /** Names version `id`, or makes it automatic again with an empty label (edit link only). */
  async rename(id: number, label: string): Promise<Version> {
    return (await this.post<{ version: Version }>('/name', { id, label })).version;
  }

  /** Makes the document look as it did at version `id`, as a change by this browser's person under `userName` (edit link only). */
  async restore(id: number, userName: string): Promise<Version> {
    return (await this.post<{ version: Version }>('/restore', { id, userName })).version;
  }

  private async post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`/api/app/documents/${encodeURIComponent(this.name)}/history${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...linkField(this.key), ...body }),
      });
    } catch (error) {
      throw new NetworkError(error);
    }
    const data = (await response.json().catch(() => ({}))) as { error?: string; reason?: string };
    if (!response.ok) throw new ApiError(response.status, data.error ?? `request failed (${response.status})`, data.reason);
    return data as T;
  }
}

import type { JSONContent } from '@tiptap/core';
import { documentSchema } from '../shared/conversion';

/** `json` without the attributes that only restate the schema's defaults, so tests compare what was written. */
export function withoutDefaults(json: JSONContent): JSONContent {
  const schema = documentSchema();
  const strip = <T extends { attrs?: Record<string, unknown> }>(item: T, defaults: Record<string, { default?: unknown }> | undefined): T => {
    const attrs = Object.fromEntries(Object.entries(item.attrs ?? {}).filter(([key, value]) => value !== defaults?.[key]?.default));
    const { attrs: _, ...rest } = item;
    return (Object.keys(attrs).length > 0 ? { ...rest, attrs } : rest) as T;
  };
  const result = strip(json, schema.nodes[json.type ?? '']?.spec.attrs);
  if (json.marks) result.marks = json.marks.map((mark) => strip(mark, schema.marks[mark.type]?.spec.attrs));
  if (json.content) result.content = json.content.map(withoutDefaults);
  return result;
}

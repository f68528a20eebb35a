import * as Y from 'yjs';
import { BODY_FIELD } from '../../shared/documentFields';
import { type SchemaRules, TEXT } from '../../shared/schemaRules';

/**
 * After an applied update: did it leave an element of the body with content the schema does not
 * allow ([R3] in `shared/SCHEMA-RULES.md`)? Every insertion was checked before it was applied, so
 * what can go wrong is what deletions (and concurrent insertions) do to an element's content as
 * a whole: an element that must hold something now holds nothing (two people deleting the last
 * items of a list), or an element whose first child is fixed starts with another one (a list
 * item whose paragraph was deleted while someone added a list after it). Looks only at the
 * elements whose children changed, and at their first child: O(1) per changed element.
 */
export function needsRepair(changed: Y.Transaction['changed'], rules: SchemaRules): boolean {
  for (const [type, keys] of changed) {
    if (!keys.has(null) || !(type instanceof Y.XmlElement) || type._item?.deleted || !inBody(type)) continue;
    const name = type.nodeName;
    if (!rules.isNode(name)) continue;
    const first = firstChild(type);
    if (first === null) {
      if (!rules.validContent(name, [])) return true;
      continue;
    }
    if (!rules.allowsFirst(name, first)) return true;
  }
  return false;
}

/** The name a type's first live child stands for, or null when it has none. */
function firstChild(type: Y.XmlElement): string | null {
  let item = type._start;
  while (item !== null && (item.deleted || !item.countable)) item = item.right;
  if (item === null) return null;
  const child = item.content instanceof Y.ContentType ? item.content.type : null;
  if (child instanceof Y.XmlElement) return child.nodeName;
  return child instanceof Y.XmlText ? TEXT : '';
}

/** A type as far as finding its root goes. */
interface Nested {
  _item: Y.Item | null;
  doc: Y.Doc | null;
}

function inBody(type: Nested): boolean {
  let current = type;
  while (current._item !== null) current = current._item.parent as unknown as Nested;
  return (current.doc?.share.get(BODY_FIELD) as unknown) === current;
}

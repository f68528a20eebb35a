import * as Y from 'yjs';
import { BODY_FIELD } from '../../shared/documentFields';
import { type SchemaRules, TEXT } from '../../shared/schemaRules';

/**
 * After an applied update: the elements of the body it left with content the schema does not
 * allow ([R3] in `shared/SCHEMA-RULES.md`)? Every insertion was checked before it was applied, so
 * what can go wrong is what deletions (and concurrent insertions) do to an element's content as
 * a whole: an element that must hold something now holds nothing (two people deleting the last
 * items of a list), or an element whose first child is fixed starts with another one (a list
 * item whose paragraph was deleted while someone added a list after it). Looks only at the
 * elements whose children changed, and at their first child: O(1) per changed element.
 */
export function elementsNeedingRepair(changed: Y.Transaction['changed'], rules: SchemaRules): Y.XmlElement[] {
  const elements: Y.XmlElement[] = [];
  for (const [type, keys] of changed) {
    if (!keys.has(null) || !(type instanceof Y.XmlElement) || type._item?.deleted || !inBody(type)) continue;
    const name = type.nodeName;
    if (!rules.isNode(name)) continue;
    const first = firstChild(type);
    if (first === null ? !rules.validContent(name, []) : !rules.allowsFirst(name, first)) elements.push(type);
  }
  return elements;
}

/**
 * What to repair after applying an update in `transaction`: the elements it left invalid, and,
 * when the update's content could not be fully checked before (`recheck`), the elements it created.
 */
export function elementsToRepair(transaction: Y.Transaction, rules: SchemaRules, recheck: boolean): Y.XmlElement[] {
  const elements = elementsNeedingRepair(transaction.changed, rules);
  return recheck ? [...elements, ...createdElements(transaction)] : elements;
}

/**
 * The elements of the body a transaction created, outermost only (what they hold comes with them):
 * found among the transaction's new structs, so in proportion to what it wrote.
 */
export function createdElements(transaction: Y.Transaction): Y.XmlElement[] {
  const elements: Y.XmlElement[] = [];
  const isNew = (item: Y.Item) => item.id.clock >= (transaction.beforeState.get(item.id.client) ?? 0);
  for (const [client, after] of transaction.afterState) {
    const before = transaction.beforeState.get(client) ?? 0;
    if (after <= before) continue;
    const structs = transaction.doc.store.clients.get(client) as Array<Y.Item | Y.GC>;
    for (let index = Y.findIndexSS(structs as Y.Item[], before); index < structs.length; index++) {
      const struct = structs[index];
      if (!(struct instanceof Y.Item) || struct.deleted || !(struct.content instanceof Y.ContentType)) continue;
      const type = struct.content.type;
      const holder = (struct.parent as Y.AbstractType<unknown> | null)?._item;
      if (type instanceof Y.XmlElement && !(holder && isNew(holder)) && inBody(type)) elements.push(type);
    }
  }
  return elements;
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

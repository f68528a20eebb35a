import { Counter, type Registry } from 'prom-client';
import type { SchemaOptions } from '../extensions/SchemaExtension';

/** The document schema metrics, registered in the server's registry; returns the hooks that count. */
export function schemaMetrics(registry: Registry): Pick<SchemaOptions, 'onRefused' | 'onRepaired'> {
  const registers = [registry];
  const refused = new Counter({
    name: 'collab_updates_refused_total',
    help: 'Client updates refused for breaking the document schema, by rule of shared/SCHEMA-RULES.md',
    labelNames: ['rule'],
    registers,
  });
  const repaired = new Counter({
    name: 'collab_documents_repaired_total',
    help: 'Repairs of documents whose body held content the schema does not allow, by when (load, update)',
    labelNames: ['when'],
    registers,
  });
  return {
    onRefused: (rule) => refused.inc({ rule }),
    onRepaired: (when) => repaired.inc({ when }),
  };
}

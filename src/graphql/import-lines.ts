import { GraphQLNonNull, coerceInputValue, isInputObjectType } from 'graphql';
import type { PrismaClient } from '../generated/prisma/client.js';
import { InputCheck } from '../domain/validation.js';
import { IMPORT_MAX_INCIDENTS } from '../domain/backfill.js';
import * as incidents from '../services/incidents.js';
import { schema } from './schema.js';
import { checkImported, type ImportIncidentShape } from './types/incident-import.js';

/** The admin CLI's import: JSON lines, one ImportIncidentInput per line, as importIncidents takes them. */

export interface LinesImported {
  created: number;
  existing: number;
}

/** Problems with the file, each naming its line; nothing was written. */
export class ImportLinesError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

function importIncidentInputType() {
  const type = schema.getType('ImportIncidentInput');
  if (!isInputObjectType(type)) throw new Error('the schema has no ImportIncidentInput');
  return new GraphQLNonNull(type);
}

/**
 * Checks every line exactly as importIncidents checks its input (the schema's own coercion, then
 * the same rules) before anything is written, then imports them in calls of 100, each all or
 * nothing. Idempotent per externalRef, so running a file again after a failure is safe.
 */
export async function importJsonLines(prisma: PrismaClient, orgId: string, text: string): Promise<LinesImported> {
  const inputType = importIncidentInputType();
  const problems: string[] = [];
  const now = new Date();
  const check = new InputCheck();
  const items: { line: number; item: incidents.ImportedIncident }[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push(`line ${line}: not a JSON value`);
      return;
    }
    let valid = true;
    const input = coerceInputValue(value, inputType, (path, _invalid, error) => {
      valid = false;
      problems.push(`line ${line}: ${path.length ? `${path.join('.')}: ` : ''}${error.message}`);
    }) as ImportIncidentShape;
    if (valid) items.push({ line, item: checkImported(check, input, line, now) });
  });
  // checkImported reports at ["incidents", <line>, ...field].
  for (const error of check.errors) problems.push(`line ${error.field?.[1]}: ${error.field?.slice(2).join('.') || 'input'}: ${error.message}`);
  if (problems.length > 0) throw new ImportLinesError(problems);

  const actor = { orgId, keyId: null, keyName: 'admin CLI import' };
  const result: LinesImported = { created: 0, existing: 0 };
  for (let start = 0; start < items.length; start += IMPORT_MAX_INCIDENTS) {
    const batch = items.slice(start, start + IMPORT_MAX_INCIDENTS);
    const outcome = await incidents.importIncidents(prisma, actor, batch.map(({ item }) => item));
    if (!outcome.ok) {
      const imported = start > 0 ? [`the lines before line ${batch[0].line} were imported; the file can be imported again once fixed`] : [];
      throw new ImportLinesError([
        ...outcome.errors.map((error) => `line ${batch[Number(error.field?.[1])]?.line ?? '?'}: ${error.field?.slice(2).join('.') || 'input'}: ${error.message}`),
        ...imported,
      ]);
    }
    for (const entry of outcome.value.results) result[entry.created ? 'created' : 'existing'] += 1;
  }
  return result;
}

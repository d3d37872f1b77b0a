import { PermanentError } from '../../shared/errors.ts';
import type { FieldType, MappingField } from '../../shared/model/index.ts';
import { adfOf } from './adf.ts';

/** A field's `schema` as Jira describes it (createmeta, `GET /rest/api/3/field`). */
export interface JiraSchema {
  type?: string;
  items?: string;
  system?: string;
  custom?: string;
}

/** A field of createmeta (`…/createmeta/{project}/issuetypes/{id}`) or of `GET /rest/api/3/field`. */
export interface JiraField {
  fieldId?: string;
  id?: string;
  key?: string;
  name?: string;
  required?: boolean;
  schema?: JiraSchema;
}

/** Rich-text custom fields: Jira v3 wants ADF in them, as in the description. */
const TEXTAREA = 'com.atlassian.jira.plugin.system.customfieldtypes:textarea';
/** System fields that are documents in v3. */
const DOC_SYSTEM_FIELDS = new Set(['description', 'environment']);
/** Schema types that are set by name (`{ "name": "High" }`). */
const BY_NAME = new Set(['priority', 'resolution', 'component', 'version', 'securitylevel']);
/** Set by the queue (`projectId:issueType`), never by a mapping. */
export const QUEUE_FIELDS = new Set(['project', 'issuetype']);

/**
 * Our field type of a Jira schema: `string` (one line, e.g. summary), `text`
 * (a document: description, environment, textarea fields), `number`,
 * `array`, `option`, `user`, `date`, `datetime`, else `any`.
 */
export const fieldTypeOf = (schema: JiraSchema | undefined): FieldType => {
  if (schema === undefined) return 'any';
  if (schema.type === 'doc' || (schema.system !== undefined && DOC_SYSTEM_FIELDS.has(schema.system))) {
    return 'text';
  }
  if (schema.custom === TEXTAREA) return 'text';
  switch (schema.type) {
    case 'string':
    case 'number':
    case 'array':
    case 'option':
    case 'user':
    case 'date':
    case 'datetime':
      return schema.type;
    default:
      return 'any';
  }
};

/** The key a field is set by in `POST /rest/api/3/issue` (createmeta's `fieldId`, `/field`'s `key` or `id`). */
export const fieldKeyOf = (field: JiraField): string | undefined => field.fieldId ?? field.key ?? field.id;

export const mappingFieldOf = (field: JiraField, required: boolean | undefined): MappingField | undefined => {
  const value = fieldKeyOf(field);
  if (value === undefined || value === '') return undefined;
  return {
    label: field.name ?? value,
    value,
    type: fieldTypeOf(field.schema),
    ...(required === undefined ? {} : { required }),
  };
};

type Mapped = string | number | boolean | string[];

const asText = (value: Mapped): string => (Array.isArray(value) ? value.join(', ') : String(value));
const asList = (value: Mapped): string[] =>
  (Array.isArray(value) ? value : String(value).split(','))
    .map((v) => String(v).trim())
    .filter((v) => v !== '');

/** Jira's summary: one line of at most 255 characters (a line break in it is refused). */
export const MAX_SUMMARY_LENGTH = 255;
const summaryOf = (value: Mapped): string => {
  const line = asText(value)
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
  return [...line].length > MAX_SUMMARY_LENGTH ? [...line].slice(0, MAX_SUMMARY_LENGTH).join('') : line;
};

const itemOf = (items: string | undefined, value: string): unknown => {
  if (items === 'option') return { value };
  if (items === 'user') return { accountId: value };
  if (items !== undefined && BY_NAME.has(items)) return { name: value };
  return value;
};

/**
 * A mapped value in the shape Jira's create call wants for the field's
 * schema: documents for text, `{ value }` for options, `{ accountId }` for
 * users, `{ name }` for priorities, versions and components, lists for arrays
 * (of those), numbers for numbers. Without a schema (a field createmeta does
 * not list), the value goes as it is and Jira says what it thinks of it.
 */
export const jiraValueOf = (key: string, value: Mapped, schema: JiraSchema | undefined): unknown => {
  if (key === 'summary') return summaryOf(value);
  if (key === 'labels') return asList(value);
  const type = fieldTypeOf(schema);
  switch (type) {
    case 'text':
      return adfOf(asText(value));
    case 'number': {
      const n = typeof value === 'number' ? value : Number(asText(value).trim());
      if (!Number.isFinite(n) || asText(value).trim() === '') {
        throw new PermanentError(
          `Jira field "${key}" takes a number; the mapping gave ${JSON.stringify(asText(value).slice(0, 50))}`,
        );
      }
      return n;
    }
    case 'array':
      return asList(value).map((v) => itemOf(schema?.items, v));
    case 'option':
      return { value: asText(value) };
    case 'user':
      return { accountId: asText(value) };
    case 'string':
    case 'date':
    case 'datetime':
      return asText(value);
    default:
      if (schema?.type !== undefined && BY_NAME.has(schema.type)) return { name: asText(value) };
      return value;
  }
};

/** Fields the default mappings fill, whose shape is known without asking Jira. */
export const KNOWN_SYSTEM_FIELDS: Readonly<Record<string, JiraSchema>> = {
  summary: { type: 'string', system: 'summary' },
  description: { type: 'string', system: 'description' },
  labels: { type: 'array', items: 'string', system: 'labels' },
};

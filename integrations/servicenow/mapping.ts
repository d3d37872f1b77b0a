import type { FieldMapping, FieldType, TaskStatus } from '../../shared/model/index.ts';

/**
 * The incident `state` choice values of a base ServiceNow instance (Incident
 * > State): what our task statuses mean for an incident. Resolved (6) counts
 * as closed, as Netskope's plugin does: a resolved incident takes no more
 * dedupe comments, and the next matching alert opens a new one.
 */
export const INCIDENT_STATES: Readonly<Record<string, TaskStatus>> = {
  '1': 'new',
  '2': 'in_progress',
  '3': 'on_hold',
  '6': 'closed',
  '7': 'closed',
  '8': 'closed',
};

/** Our status of an incident `state` value; a state of the instance's own (or none) is `other`. */
export const statusOfState = (state: unknown): TaskStatus =>
  (typeof state === 'string' && Object.hasOwn(INCIDENT_STATES, state) ? INCIDENT_STATES[state] : undefined) ??
  'other';

/**
 * `sys_dictionary.internal_type` → how the platform shapes a mapped value.
 * Journal and HTML fields take free text; choice fields are stored as
 * integers or strings and are sent as such; a reference takes a sys_id (or a
 * display value), which only the operator knows: `any`, not shaped.
 */
const FIELD_TYPES: Readonly<Record<string, FieldType>> = {
  string: 'string',
  translated_text: 'string',
  translated_field: 'string',
  email: 'string',
  url: 'string',
  ip_addr: 'string',
  phone_number_e164: 'string',
  journal: 'text',
  journal_input: 'text',
  journal_list: 'text',
  html: 'text',
  translated_html: 'text',
  wiki_text: 'text',
  integer: 'number',
  longint: 'number',
  decimal: 'number',
  float: 'number',
  currency: 'number',
  price: 'number',
  percent_complete: 'number',
  glide_date_time: 'datetime',
  due_date: 'datetime',
  calendar_date_time: 'datetime',
  glide_date: 'date',
  glide_list: 'array',
  reference: 'any',
};

export const fieldTypeOf = (internalType: string): FieldType =>
  (Object.hasOwn(FIELD_TYPES, internalType) ? FIELD_TYPES[internalType] : undefined) ?? 'any';

/**
 * Netskope's ServiceNow plugin's default mappings (its alert half): a short
 * description naming the alert, and a description listing the main attributes.
 */
export const DEFAULT_MAPPINGS: readonly FieldMapping[] = Object.freeze([
  { field: 'short_description', value: 'Netskope $appCategory alert name: $alertName' },
  {
    field: 'description',
    value:
      'Alert ID: $id\nApp: $app\nUser: $user\n\nAlert Name: $alertName\nAlert Type: $alertType\nApp Category: $appCategory',
  },
]);

import type {
  CheckPointObject,
  CheckPointSession,
  ParameterSpec,
  TriggerEvent,
} from '../../shared/model/index.ts';
import type { DecideResult, IntegrationLogger, ParamsOf } from '../../shared/sdk/index.ts';
import { defineIntegration, quote } from '../../shared/sdk/index.ts';

const parameters = {
  requireRuleComments: {
    type: 'boolean',
    label: 'Require rule comments',
    description: 'Deny when an added or modified access rule has no comments.',
    default: true,
  },
  requireRuleNames: {
    type: 'boolean',
    label: 'Require rule names',
    description: 'Deny when an added or modified access rule has no name.',
    default: true,
  },
  allowedAdmins: {
    type: 'text',
    label: 'Allowed administrators',
    description: 'Comma-separated user names allowed to publish (exact match). Empty: anyone.',
  },
  maxChanges: {
    type: 'number',
    label: 'Maximum changes',
    description: 'Deny when a publish adds, modifies and deletes more objects than this in total.',
  },
} as const satisfies Record<string, ParameterSpec>;

type GateParams = ParamsOf<typeof parameters>;

interface GateVerdict extends DecideResult {
  /** `changes`: how many were checked, `null` when the change set was missing. */
  output: { changes: number | null; violations: string[] };
}

const isBlank = (text: string | undefined): boolean => text === undefined || text.trim() === '';

const ACCESS_RULE = 'access-rule';

/**
 * An object's type as compared: trimmed, lower case (`Access-Rule` is an
 * access rule too); undefined when blank or not text.
 */
const typeOf = (object: CheckPointObject): string | undefined => {
  const type: unknown = object.type;
  if (typeof type !== 'string' || type.trim() === '') return undefined;
  return type.trim().toLowerCase();
};

/** A uid as echoed: as is when it is a plain token (a UUID), else quoted; 200 characters at most either way. */
const ref = (uid: unknown): string => {
  const text = typeof uid === 'string' ? uid : String(uid);
  return /^[\w.:-]{1,200}$/.test(text) ? text : quote(text);
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Said whenever the changes were not there to check, so nobody reads it as "nothing changed". */
export const CHANGES_MISSING =
  'the change set was missing (Check Point sends none when its management API server is unavailable): no rule on changes was checked';

/** The rules on the publishing administrator. */
const adminViolations = (session: CheckPointSession, params: GateParams): string[] => {
  const admins = (params.allowedAdmins ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (admins.length === 0) return [];
  if (session.userName === undefined) {
    return ['the publishing administrator is unknown, and only named administrators may publish'];
  }
  return admins.includes(session.userName)
    ? []
    : [`administrator ${quote(session.userName)} is not allowed to publish`];
};

/** The rules, in a fixed order; each violation is named once even when a rule changed in several sessions. */
const violationsOf = (
  session: CheckPointSession,
  changeSet: NonNullable<CheckPointSession['changes']>,
  params: GateParams,
): { changes: number; violations: string[] } => {
  const { added, modified, deleted } = changeSet;
  const changes = added.length + modified.length + deleted.length;
  const violations = new Set<string>();
  const touched: CheckPointObject[] = [...added, ...modified.map((m) => m.new)];
  for (const object of touched) {
    const type = typeOf(object);
    if (type === undefined) {
      // It may be an access rule: a gate that cannot tell denies, rather than skip what it may have to check.
      violations.add(`object ${ref(object.uid)} has no type, so it cannot be told from an access rule`);
      continue;
    }
    if (type !== ACCESS_RULE) continue;
    const uid = ref(object.uid);
    if (params.requireRuleNames && isBlank(object.name)) violations.add(`access rule ${uid} has no name`);
    if (params.requireRuleComments && isBlank(object.comments)) {
      violations.add(`access rule ${uid} has no comments`);
    }
  }
  for (const v of adminViolations(session, params)) violations.add(v);
  if (params.maxChanges !== undefined && changes > params.maxChanges) {
    violations.add(`${plural(changes, 'change')}, more than the ${params.maxChanges} allowed`);
  }
  return { changes, violations: [...violations] };
};

/**
 * Denies whatever it cannot read: no Check Point session, or install-policy
 * data (not a publish). A session without its change set (the job's
 * `onMissingChanges: allow` let it through) gets the administrator rule only,
 * and the message says the changes were missing.
 */
const verdictOf = (event: TriggerEvent, params: GateParams): GateVerdict => {
  const session = event.session;
  if (!session) {
    return {
      allow: false,
      message: `no Check Point session in this ${event.source}/${event.trigger} event: the publish gate needs a Check Point SmartTask job (source "checkpoint")`,
      output: { changes: null, violations: [] },
    };
  }
  if (session.trigger === 'after-install-policy') {
    return {
      allow: false,
      message: 'an install-policy report is not a publish: the publish gate checks publish sessions only',
      output: { changes: null, violations: [] },
    };
  }
  if (session.changes === undefined) {
    const violations = adminViolations(session, params);
    return violations.length === 0
      ? {
          allow: true,
          message: `${CHANGES_MISSING}; no other violation`,
          output: { changes: null, violations },
        }
      : {
          allow: false,
          message: `${violations.join('; ')}; ${CHANGES_MISSING}`,
          output: { changes: null, violations },
        };
  }
  const output = violationsOf(session, session.changes, params);
  return output.violations.length === 0
    ? { allow: true, message: `${plural(output.changes, 'change')} checked, no violation`, output }
    : { allow: false, message: output.violations.join('; '), output };
};

/** One line naming the session, so the run's log shows what was checked. */
const logSession = (event: TriggerEvent, logger: IntegrationLogger): void => {
  const s = event.session;
  if (!s) return;
  const who = s.userName === undefined ? 'an unknown administrator' : quote(s.userName);
  const what =
    s.changes === undefined
      ? 'no change set'
      : `${s.changes.added.length} added, ${s.changes.modified.length} modified, ${s.changes.deleted.length} deleted`;
  logger.info(
    `${s.trigger} session ${s.sessionUid === undefined ? '(no uid)' : ref(s.sessionUid)}${
      s.sessionName ? ` ${quote(s.sessionName)}` : ''
    } by ${who}: ${what}`,
  );
};

/**
 * Built-in `checkpoint-publish-gate`: a Before Publish SmartTask asks it whether
 * a session may be published. It denies when added or modified access rules
 * lack comments or names, when the administrator is not among the allowed
 * ones, or when the session changes too many objects; the message names every
 * violation. It denies what it cannot read (see {@link verdictOf}). Run as an
 * async job, it logs the same verdict.
 */
export default defineIntegration({
  id: 'checkpoint-publish-gate',
  name: 'Check Point publish gate',
  version: '1.0.0',
  description:
    'Allows or denies a Check Point publish: access rules need comments and names, only listed administrators may publish, at most so many changes.',
  parameters,
  decide({ event, params, logger }) {
    logSession(event, logger);
    const verdict = verdictOf(event, params);
    logger.info(`${verdict.allow ? 'allow' : 'deny'}: ${verdict.message}`);
    return verdict;
  },
  run({ event, params, logger }) {
    logSession(event, logger);
    const verdict = verdictOf(event, params);
    if (verdict.allow) logger.info(`would allow: ${verdict.message}`);
    else logger.warn(`would deny: ${verdict.message}`);
    return { message: verdict.message, output: { allow: verdict.allow, ...verdict.output } };
  },
});

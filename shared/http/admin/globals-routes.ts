import type { Hono } from 'hono';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../../errors.ts';
import { MAX_GLOBALS, PutGlobalBodySchema, checkGlobalName, globalSecretName } from '../../model/global.ts';
import type { GlobalView } from '../../model/global.ts';
import type { GlobalRecord } from '../../ports.ts';
import { platformLogger } from '../../runtime/platform-logger.ts';
import { isoTime } from '../../store/keys.ts';
import type { AdminDeps } from '../admin-app.ts';
import { callerOf } from '../caller.ts';
import type { EdgeEnv } from '../hono-helpers.ts';

/**
 * What the admin API shows of a global: a masked one's value never (it is not
 * even in the item: the answer is built from these four fields, nothing else).
 */
export const globalView = (g: GlobalRecord): GlobalView => ({
  name: g.name,
  masked: g.masked,
  ...(g.masked || g.value === undefined ? {} : { value: g.value }),
  updatedAt: g.updatedAt,
});

/**
 * The body of a PUT, parsed without ever quoting it: JSON.parse's own
 * message quotes the text around the error, which may be the value of a
 * masked global; zod's messages name the rule, never the input.
 */
const readBody = (text: string): { value: string; masked: boolean } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('malformed JSON body: expected {"value": "…", "masked": true|false}');
  }
  const parsed = PutGlobalBodySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new ValidationError(`invalid global: ${problems.join('; ')}`);
  }
  return parsed.data;
};

/**
 * `/admin/globals[/{name}]`: global parameters. A masked global's value is
 * written to the secret store (`global/<name>`) before its item, and never
 * returned by any route; a masked global cannot be unmasked (409
 * `global_masked`, checked by the write itself).
 */
export const registerGlobalsRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.get('/globals', async (c) => c.json({ items: (await deps.globals.list()).map(globalView) }));

  app.get('/globals/:name', async (c) => {
    const name = checkGlobalName(c.req.param('name'));
    const g = await deps.globals.get(name);
    if (g === undefined) throw new NotFoundError(`no global ${name}`);
    return c.json(globalView(g));
  });

  app.put('/globals/:name', async (c) => {
    const name = checkGlobalName(c.req.param('name'));
    const body = readBody(await c.req.text());
    const existing = await deps.globals.list();
    if (existing.length >= MAX_GLOBALS && !existing.some((g) => g.name === name)) {
      throw new ValidationError(`at most ${MAX_GLOBALS} globals: delete one first`, 'too_many_globals');
    }
    const at = isoTime(deps.clock.now().getTime());
    // Who made the change, as a checkpoint rewind records it: the IAM principal in AWS, `local` under npm start.
    const by = callerOf(c);
    let created: boolean;
    if (body.masked) {
      if (deps.secretWriter === undefined) {
        throw new ServiceUnavailableError('this stack cannot write masked globals (no secret writer)');
      }
      // The secret first: a crash between the two leaves an orphan secret (overwritten by the next PUT),
      // never a masked global without a value.
      await deps.secretWriter.put(globalSecretName(name), body.value);
      ({ created } = await deps.globals.put({ name, masked: true, at, by }));
    } else {
      ({ created } = await deps.globals.put({ name, masked: false, value: body.value, at, by }));
    }
    const view: GlobalView = {
      name,
      masked: body.masked,
      ...(body.masked ? {} : { value: body.value }),
      updatedAt: at,
    };
    return c.json(view, created ? 201 : 200);
  });

  app.delete('/globals/:name', async (c) => {
    const name = checkGlobalName(c.req.param('name'));
    const g = await deps.globals.get(name);
    if (g === undefined || !(await deps.globals.delete(name))) throw new NotFoundError(`no global ${name}`);
    if (g.masked) {
      if (deps.secretWriter === undefined) {
        platformLogger.warn('masked global deleted; its secret is left (no secret writer here)', {
          secret: globalSecretName(name),
        });
      } else {
        // Without a recovery window: the name can be used again at once.
        await deps.secretWriter.delete(globalSecretName(name));
      }
    }
    return c.body(null, 204);
  });
};

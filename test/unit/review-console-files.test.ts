import { describe, expect, it } from 'vitest';
import type { ConsoleAssets } from '../../shared/http/console-app.ts';
import { createConsoleHandler } from '../../shared/http/console-app.ts';
import { apiEvent } from '../helpers/api-event.ts';

// Review of issue 11: the console handler looks a file up by the name in the path. The table is
// a plain object (the generated module's literal), so a name it inherits — `constructor`,
// `toString` — must not count as a file: it would be answered 200 with no type and no body (the
// local server then fails with a 500), not the 404 every unknown name gets.

const assets: ConsoleAssets = {
  files: {
    'index.html': { type: 'text/html; charset=utf-8', body: '<!doctype html><p>page</p>', immutable: false },
  },
  bytes: { raw: 30, gzip: 20 },
};
const handler = createConsoleHandler(assets, { apiBase: '/admin', auth: { type: 'none' } });

describe('the console handler and inherited names (review)', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers /console/%s 404 not_found, with the security headers',
    async (name) => {
      const r = await handler(apiEvent({ method: 'GET', rawPath: `/console/${name}` }));
      expect(r.statusCode).toBe(404);
      expect(JSON.parse(r.body)).toMatchObject({ error: 'not_found' });
      expect(r.headers?.['x-content-type-options']).toBe('nosniff');
    },
  );
});

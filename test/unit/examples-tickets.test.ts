import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOCK_DEFAULT_PORTS } from '../../cli/commands/mock.ts';
import type { Job } from '../../shared/model/index.ts';
import { admin } from '../../shared/runtime/admin.ts';
import { secureChangeAdapter } from '../../shared/sources/securechange.ts';
import { alertOf } from '../../shared/tickets/alert.ts';
import { dedupeKeyOf } from '../../shared/tickets/dedupe-key.ts';
import { matchesRule } from '../../shared/tickets/rule.ts';
import { REPO_ROOT } from '../helpers/local-process.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { makeRequest } from '../helpers/samples.ts';

/**
 * The ticket and enrichment examples of examples/tickets/ (not created by
 * `npm start`: a user applies them after starting `triggerhub mock`) stay
 * valid, point at the mock's default port, and the example alerts do what
 * the README's walkthrough says: alert-high matches, alert-low is filtered.
 */
const TICKETS_DIR = join(REPO_ROOT, 'examples', 'tickets');
const FILES = readdirSync(TICKETS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const payload = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'payloads', name), 'utf8')) as Record<string, unknown>;

const applied = async (file: string): Promise<Job> => {
  const body = JSON.parse(readFileSync(join(TICKETS_DIR, file), 'utf8')) as { id: string };
  // Without the target call (`jobs apply --no-verify`): the e2e tests apply them against the mocks.
  return (await admin.putJob(memoryDeps(), body.id, body, { verify: false })).job;
};

describe('examples/tickets', () => {
  it('holds the three jobs of the walkthrough', () => {
    expect(FILES).toEqual([
      'alerts-to-jira.json',
      'alerts-to-servicenow.json',
      'securechange-enrichment.json',
    ]);
  });

  it.each(FILES)('%s is a job the admin API accepts, pointing at its mock on 127.0.0.1', async (file) => {
    const job = await applied(file);
    expect(job.id).toBe(file.replace(/\.json$/, ''));
    const target = job.integration === 'securechange-enrichment' ? 'securechange' : job.integration;
    expect(Object.keys(MOCK_DEFAULT_PORTS)).toContain(target);
    expect(job.params.url).toBe(
      `http://127.0.0.1:${MOCK_DEFAULT_PORTS[target as keyof typeof MOCK_DEFAULT_PORTS]}`,
    );
    // A secret by reference only: the example never holds a value.
    expect(JSON.stringify(job.params)).toMatch(/\{"secret":"[a-z-]+"\}/);
  });

  it.each(['alerts-to-jira.json', 'alerts-to-servicenow.json'])(
    '%s: alert-high matches the rule, alert-low is filtered, alert-high-again has the same dedupe key',
    async (file) => {
      const { tickets } = await applied(file);
      if (tickets === undefined) throw new Error(`${file} has no tickets`);
      const high = payload('alert-high.json');
      const low = payload('alert-low.json');
      expect(matchesRule(tickets.rule, alertOf(tickets, high, 'd1'))).toBe(true);
      expect(matchesRule(tickets.rule, alertOf(tickets, low, 'd2'))).toBe(false);
      // alert-high-again.json: the same alert again (another id, the same alert name and user), also matching.
      const again = payload('alert-high-again.json');
      expect(again.id).not.toBe(high.id);
      expect(matchesRule(tickets.rule, alertOf(tickets, again, 'd3'))).toBe(true);
      expect(dedupeKeyOf(tickets, again)).toBe(dedupeKeyOf(tickets, high));
      expect(dedupeKeyOf(tickets, high)).toBe('Upload to personal cloud storage:jdoe@example.com');
    },
  );

  it('the ticket 446 Create payload is a ticket_info the securechange source reads', async () => {
    const job = await applied('securechange-enrichment.json');
    const xml = readFileSync(
      join(REPO_ROOT, 'examples', 'payloads', 'securechange-ticket-446-create.xml'),
      'utf8',
    );
    const event = secureChangeAdapter.parse(
      makeRequest(xml, 'application/xml', { query: { event: 'CREATE' } }),
      job,
    );
    expect(event).toMatchObject({ trigger: 'CREATE', ticket: { id: '446', currentStage: { id: '1954' } } });
  });
});

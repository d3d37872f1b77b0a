import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { HttpClientOptions, OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import type { LoopbackHandler } from '../helpers/loopback-http.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';
import { readSampleJson } from '../helpers/samples.ts';

const { open, serve } = loopbacksClosedAfterEach();
const client = (o: Partial<HttpClientOptions> = {}): OutboundHttp => {
  const made = createHttpClient({
    userAgent: 'triggerhub/test t/1',
    deadlineAt: Date.now() + 120_000,
    signal: new AbortController().signal,
    logger: { debug: () => undefined, info: () => undefined },
    allowDeferral: true,
    ...o,
  });
  open.push(made);
  return made;
};

type Obj = Record<string, unknown>;
// Fakes shaped like the vendored samples (test/fixtures/samples/api-responses/PROVENANCE.md).
const projectPage = readSampleJson('api-responses/jira/GET_project_search_200_response.json') as Obj;
const projectTemplate = (projectPage.values as Obj[])[0] as Obj;
const searchPage = readSampleJson('api-responses/jira/POST_search_jql_200_response.json') as Obj;
const issueTemplate = (searchPage.issues as Obj[])[0] as Obj;
const incident = (readSampleJson('api-responses/servicenow/table_api_POST_incident_201_response.json') as Obj)
  .result as Obj;

const query = (url: string) => new URL(url, 'http://x').searchParams;

/** Jira's GET /rest/api/3/project/search: startAt / maxResults / total / isLast over `values`. */
const jiraProjects =
  (total: number): LoopbackHandler =>
  (req, res) => {
    const q = query(req.url);
    const startAt = Number(q.get('startAt') ?? 0);
    const maxResults = Number(q.get('maxResults') ?? 50);
    const values = Array.from({ length: Math.max(0, Math.min(maxResults, total - startAt)) }, (_, i) => ({
      ...projectTemplate,
      id: String(startAt + i),
      key: `P${startAt + i}`,
    }));
    json(res, 200, {
      ...projectPage,
      startAt,
      maxResults,
      total,
      isLast: startAt + values.length >= total,
      values,
    });
  };

describe('ctx.http.paginate: startAt (Jira)', () => {
  it('walks 10,000 items over 100 pages in order, one request per page, lazily, one page in memory', async () => {
    // Prepare: WeakRefs to each parsed page (through the caller's parseJson), and a gc to call
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const api = await serve(jiraProjects(10_000));
    const pages: WeakRef<object>[] = [];
    const parseJson = (text: string): unknown => {
      const page = JSON.parse(text) as object;
      pages.push(new WeakRef(page));
      return page;
    };
    const settle = () => new Promise((r) => setImmediate(r));

    // Act
    let count = 0;
    const lazy: [number, number][] = [];
    const alive: { current: number; ids: number[] }[] = [];
    for await (const project of client().http.paginate<{ id: string; key: string }>(
      `${api.origin}/rest/api/3/project/search?expand=issueTypes`,
      { style: 'startAt', pageSize: 100, parseJson },
    )) {
      if (project.id !== String(count)) throw new Error(`out of order at ${count}: ${project.id}`);
      if (count % 100 === 0) lazy.push([count / 100 + 1, api.received.length]);
      if (count % 2_500 === 50) {
        // Every page but the current one can be collected
        await settle();
        gc();
        alive.push({
          current: Math.floor(count / 100),
          ids: pages.flatMap((ref, i) => (ref.deref() === undefined ? [] : [i])),
        });
      }
      count++;
    }

    // Assess
    expect(count).toBe(10_000);
    expect(api.received).toHaveLength(100);
    expect(lazy.every(([page, requests]) => page === requests)).toBe(true);
    // The current page is alive; at most one other (V8's optimizing compiler may keep one stale
    // value alive for a while, whatever the number of pages): flat, not growing with the pages.
    expect(alive.map((a) => a.current)).toEqual([0, 25, 50, 75]);
    expect(alive.every((a) => a.ids.includes(a.current) && a.ids.length <= 2)).toBe(true);
    expect(query(api.received[1]!.url).get('expand')).toBe('issueTypes');
    expect(query(api.received[1]!.url).get('startAt')).toBe('100');
  });

  it('stops on an empty page and on total', async () => {
    const api = await serve(jiraProjects(120));
    const got = [];
    for await (const p of client().http.paginate(`${api.origin}/p`, { style: 'startAt', pageSize: 50 }))
      got.push(p);
    expect(got).toHaveLength(120);
    expect(api.received).toHaveLength(3);
  });

  it('refuses a server that makes no progress', async () => {
    // Prepare: always the first page, never isLast
    const api = await serve((_req, res) =>
      json(res, 200, { startAt: 0, values: [{ id: 1 }], isLast: false }),
    );
    const walk = async () => {
      for await (const _ of client().http.paginate(`${api.origin}/p`, { style: 'startAt' })) void _;
    };
    await expect(walk()).rejects.toThrow(/pagination made no progress/);
    await expect(walk()).rejects.toBeInstanceOf(PermanentError);
  });

  it('stops at maxPages with a PermanentError', async () => {
    const api = await serve(jiraProjects(1_000));
    const walk = async () => {
      for await (const _ of client().http.paginate(`${api.origin}/p`, {
        style: 'startAt',
        pageSize: 10,
        maxPages: 3,
      }))
        void _;
    };
    await expect(walk()).rejects.toThrow('paginate (startAt): more than maxPages (3) pages');
    expect(api.received).toHaveLength(3);
  });
});

describe('ctx.http.paginate: nextPageToken (Jira search)', () => {
  it('posts the token in the body until isLast', async () => {
    // Prepare: POST /rest/api/3/search/jql, 250 issues in pages of 100
    const api = await serve((req, res) => {
      const body = JSON.parse(req.body) as { nextPageToken?: string; maxResults: number; jql: string };
      const from = body.nextPageToken === undefined ? 0 : Number(body.nextPageToken.slice(4));
      const n = Math.min(body.maxResults, 250 - from);
      const last = from + n >= 250;
      json(res, 200, {
        ...searchPage,
        issues: Array.from({ length: n }, (_, i) => ({ ...issueTemplate, id: String(from + i) })),
        isLast: last,
        ...(last ? {} : { nextPageToken: `tok-${from + n}` }),
      });
    });

    // Act
    const ids: string[] = [];
    for await (const issue of client().http.paginate<{ id: string }>(`${api.origin}/rest/api/3/search/jql`, {
      style: 'nextPageToken',
      pageSize: 100,
      json: { jql: 'project = OPS', fields: ['summary'] },
    }))
      ids.push(issue.id);

    // Assess
    expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => String(i)));
    expect(api.received.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { jql: 'project = OPS', fields: ['summary'], maxResults: 100 },
      { jql: 'project = OPS', fields: ['summary'], maxResults: 100, nextPageToken: 'tok-100' },
      { jql: 'project = OPS', fields: ['summary'], maxResults: 100, nextPageToken: 'tok-200' },
    ]);
  });

  it('refuses the same token twice', async () => {
    const api = await serve((_req, res) =>
      json(res, 200, { issues: [{}], isLast: false, nextPageToken: 'same' }),
    );
    const walk = async () => {
      for await (const _ of client().http.paginate(`${api.origin}/s`, { style: 'nextPageToken' })) void _;
    };
    await expect(walk()).rejects.toThrow(/no progress/);
  });
});

describe('ctx.http.paginate: servicenow', () => {
  const table =
    (total: number, link: boolean): LoopbackHandler =>
    (req, res) => {
      const q = query(req.url);
      const limit = Number(q.get('sysparm_limit'));
      const offset = Number(q.get('sysparm_offset'));
      const n = Math.max(0, Math.min(limit, total - offset));
      const headers: Record<string, string> = {};
      if (link && offset + n < total) {
        const next = `/api/now/table/incident?sysparm_limit=${limit}&sysparm_offset=${offset + n}`;
        headers.link = `<http://${req.headers.host}/api/now/table/incident?sysparm_limit=${limit}&sysparm_offset=0>;rel="first",<http://${req.headers.host}${next}>;rel="next"`;
      }
      json(
        res,
        200,
        { result: Array.from({ length: n }, (_, i) => ({ ...incident, number: offset + i })) },
        headers,
      );
    };

  it('follows Link rel="next" when the server sends it', async () => {
    const api = await serve(table(250, true));
    const numbers: number[] = [];
    for await (const r of client().http.paginate<{ number: number }>(`${api.origin}/api/now/table/incident`, {
      style: 'servicenow',
      searchParams: { sysparm_query: 'active=true' },
    }))
      numbers.push(r.number);
    expect(numbers).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(api.received.map((r) => query(r.url).get('sysparm_offset'))).toEqual(['0', '100', '200']);
    expect(query(api.received[0]!.url).get('sysparm_query')).toBe('active=true');
  });

  it('counts the offset itself without Link, until a short page', async () => {
    const api = await serve(table(200, false));
    let n = 0;
    for await (const _ of client().http.paginate(`${api.origin}/api/now/table/incident`, {
      style: 'servicenow',
      pageSize: 100,
    }))
      n++;
    expect(n).toBe(200);
    expect(api.received.map((r) => query(r.url).get('sysparm_offset'))).toEqual(['0', '100', '200']);
  });

  it('checks a Link to another host against the egress list', async () => {
    const api = await serve((_req, res) =>
      json(
        res,
        200,
        { result: [{}] },
        { link: '<http://elsewhere.example/api/now/table/incident?x=1>; rel="next"' },
      ),
    );
    const walk = async () => {
      for await (const _ of client({ egress: ['127.0.0.1'] }).http.paginate(`${api.origin}/t`, {
        style: 'servicenow',
      }))
        void _;
    };
    await expect(walk()).rejects.toThrow(/elsewhere\.example is not in the job's egress\.allowedHosts/);
    expect(api.received).toHaveLength(1);
  });
});

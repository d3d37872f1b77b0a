import { describe, expect, it } from 'vitest';
import { JobSchema, RunSchema } from '../../shared/model/index.ts';
import { unlazy } from '../../shared/model/zod.ts';
import {
  GSI1_ATTRIBUTES,
  GSI1_JOB_ATTRIBUTES,
  GSI1_NAME,
  GSI1_RUN_ATTRIBUTES,
  tableDefinition,
} from '../../shared/store/table-definition.ts';

// gsi1 copies only the attributes it names: one the models gain and this list
// lacks would silently vanish from listings (and one it names too many costs
// every run write). Kept in step with the schemas here.
describe('gsi1 projection', () => {
  it('names every attribute of a run summary: the run’s but its event, output, log and rate-limit bookkeeping', () => {
    const summary = Object.keys(unlazy(RunSchema).shape).filter(
      (name) => !['event', 'output', 'logs', 'deferrals', 'rateLimited'].includes(name),
    );
    expect([...GSI1_RUN_ATTRIBUTES].sort()).toEqual(summary.sort());
  });

  it('names every attribute of a job, which the job listing returns whole', () => {
    expect([...GSI1_JOB_ATTRIBUTES].sort()).toEqual(Object.keys(unlazy(JobSchema).shape).sort());
  });

  it('is what the local table declares, and holds no stored event, output or log', () => {
    const gsi1 = tableDefinition('t').GlobalSecondaryIndexes?.find((i) => i.IndexName === GSI1_NAME);
    expect(gsi1?.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: [...GSI1_ATTRIBUTES] });
    for (const heavy of ['eventJson', 'outputJson', 'logs', 'logsJson'])
      expect(GSI1_ATTRIBUTES).not.toContain(heavy);
  });
});

// Review of issue 10: a template resolves against a posted body of up to 10 MiB. Each placeholder
// that names an object of the body becomes its JSON: the work must stop once the result is past
// its bound, not build every placeholder's text first (a template repeating `$data` over a 1 MB
// body built gigabytes and died with "Invalid string length").
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../shared/model/index.ts';
import { MAX_RESOLVED_BYTES, resolveTemplate } from '../../shared/tickets/placeholders.ts';

describe('resolveTemplate: bounded work', () => {
  it('turns a big object into JSON once, however often the template names it past the bound', () => {
    // Prepare: an object whose JSON is bigger than the bound, counting its serializations
    let serialized = 0;
    const big = {
      toJSON: () => {
        serialized += 1;
        return 'x'.repeat(MAX_RESOLVED_BYTES + 1000);
      },
    };
    const alert: Alert = { id: 'a1', alertName: 'DLP', rawAlert: { data: big } };

    // Act
    const out = resolveTemplate(`$alertName ${'$data '.repeat(1000)}`, alert);

    // Assess
    expect(serialized).toBe(1);
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(MAX_RESOLVED_BYTES);
    expect(out.startsWith('DLP "xxx')).toBe(true);
  });

  it('gives the same text as before under the bound', () => {
    const alert: Alert = {
      id: 'a1',
      alertName: 'DLP',
      user: 'u@acme.com',
      rawAlert: { severity: 'high', nested: { a: [1, 2] } },
    };
    expect(resolveTemplate('$alertName by $user ($severity) $nested $nested.a.1 $missing $5', alert)).toBe(
      'DLP by u@acme.com (high) {"a":[1,2]} 2 value_unavailable $5',
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const chromiumPath = chromiumOrSkip();

describe.skipIf(chromiumPath === undefined)('the console under npm start', () => {
  let stack: InProcessStack;
  let b: ConsoleBrowser;
  beforeAll(async () => {
    stack = await startInProcessStack();
    b = await openBrowser(chromiumPath!);
  });
  afterAll(async () => {
    await b?.close();
    await stack?.stop();
  });

  it('is named on the ready line and serves its page with strict security headers', async () => {
    expect(stack.lines.find((l) => l.includes('is ready on'))).toContain(`console ${stack.url}/console`);
    const res = await b.page.goto(`${stack.url}/console`);
    expect(res?.status()).toBe(200);
    const headers = res!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['referrer-policy']).toBe('no-referrer');
    await b.page.getByRole('link', { name: 'Jobs' }).waitFor();
  });
});

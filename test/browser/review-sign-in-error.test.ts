import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../cli/local/apigw-server.ts';
import { consoleAssets } from '../../console/assets.generated.ts';
import { createConsoleHandler } from '../../shared/http/console-app.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';

// Review of issue 11: Cognito sends a failed sign-in back as `/console?error=…&error_description=…`.
// Anyone can make that link: the page must not print a stranger's `error_description` on our
// origin ("Your account is locked: call +1 …") — only the answer to a sign-in this tab started
// (its `state`) is reported in Cognito's words.

const chromiumPath = chromiumOrSkip();

describe.skipIf(chromiumPath === undefined)('the console sign-in answer (review)', () => {
  let b: ConsoleBrowser;
  let site: Awaited<ReturnType<typeof startApiServer>>;

  beforeAll(async () => {
    const handler = createConsoleHandler(consoleAssets, {
      apiBase: '/console/admin',
      // Never reached: the page stops at the answer it was opened with.
      auth: { type: 'cognito', domain: 'http://127.0.0.1:9', clientId: 'review-client', scopes: ['openid'] },
    });
    site = await startApiServer([{ prefix: '/console', handler }], { port: 0 });
    b = await openBrowser(chromiumPath!);
  });
  afterAll(async () => {
    await b?.close();
    await site?.close();
  });

  it('does not show an error_description it did not ask for, and drops it from the address bar', async () => {
    const lure = 'Your account is locked. Call +1 555 0100 with your password';
    await b.page.goto(
      `${site.url}/console?error=access_denied&error_description=${encodeURIComponent(lure)}&state=forged`,
    );
    const alert = b.page.getByRole('alert');
    await alert.first().waitFor({ timeout: 15_000 });
    expect(await alert.first().textContent()).toMatch(/sign-in/i);
    expect(await b.page.locator('body').textContent()).not.toContain('555 0100');
    expect(new URL(b.page.url()).search).toBe('');
  });
});

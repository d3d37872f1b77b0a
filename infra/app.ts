// The CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). `npm run synth`
// fails when cdk-nag reports a finding nobody acknowledged with a reason.
import { writeIntegrationRegistry } from '../cli/integrations/registry-file.ts';
import { ValidationError } from '../shared/errors.ts';
import { createTriggerhubApp } from './triggerhub-app.ts';

try {
  // The integration folders as they are now (a bad folder name throws here), then each folder
  // checked as `npm start` checks it: default export made with defineIntegration, id = folder.
  writeIntegrationRegistry();
  const { integrationRegistry } = await import('../functions/wiring/registry.ts');
  integrationRegistry().list();
  createTriggerhubApp().app.synth();
} catch (e) {
  // A bad `-c` value, prop or integration folder: the message names every problem; a stack trace would only bury it.
  if (!(e instanceof ValidationError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}

// The CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). `npm run synth`
// fails when cdk-nag reports a finding nobody acknowledged with a reason.
import { ValidationError } from '../shared/errors.ts';
import { createTriggerhubApp } from './triggerhub-app.ts';

try {
  createTriggerhubApp().app.synth();
} catch (e) {
  // A bad `-c` value or prop: the message names every problem; a stack trace would only bury it.
  if (!(e instanceof ValidationError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}

// The CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). `npm run synth`
// fails when cdk-nag reports a finding nobody acknowledged with a reason.
import { createTriggerhubApp } from './triggerhub-app.ts';

createTriggerhubApp().app.synth();

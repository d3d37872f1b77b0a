#!/usr/bin/env node
// The `triggerhub` command installed by npm: runs the TypeScript CLI through tsx,
// so the package needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);

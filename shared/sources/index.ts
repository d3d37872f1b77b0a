import type { Source } from '../model/index.ts';
import { checkPointAdapter } from './checkpoint.ts';
import { genericAdapter } from './generic.ts';
import { secureChangeAdapter } from './securechange.ts';
import type { SourceAdapter } from './types.ts';

export type { SourceAdapter, SourceRequest, SourceResponse } from './types.ts';
export { checkPointAdapter } from './checkpoint.ts';
export { genericAdapter } from './generic.ts';
export { secureChangeAdapter } from './securechange.ts';

const ADAPTERS: Readonly<Record<Source, SourceAdapter>> = {
  generic: genericAdapter,
  securechange: secureChangeAdapter,
  checkpoint: checkPointAdapter,
};

/** The adapter that parses and answers requests of one source. */
export const sourceAdapter = (source: Source): SourceAdapter => ADAPTERS[source];

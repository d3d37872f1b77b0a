import type { Source } from '../model/index.ts';
import type { SourceAdapter } from './types.ts';

export type { SourceAdapter, SourceRequest, SourceResponse } from './types.ts';

/**
 * Each source's adapter, loaded on first use: a function serves the jobs it
 * serves, and a generic JSON webhook never evaluates the Check Point or
 * SecureChange parsers (a bundle built with code splitting puts each in a
 * chunk of its own). Import an adapter's own module to use it directly.
 */
const LOADERS: Readonly<Record<Source, () => Promise<SourceAdapter>>> = {
  generic: async () => (await import('./generic.ts')).genericAdapter,
  securechange: async () => (await import('./securechange.ts')).secureChangeAdapter,
  checkpoint: async () => (await import('./checkpoint.ts')).checkPointAdapter,
};

const loaded = new Map<Source, SourceAdapter>();

/**
 * The adapter that parses and answers requests of one source; loaded once
 * per process (a failed load is tried again on the next call).
 */
export const sourceAdapter = async (source: Source): Promise<SourceAdapter> => {
  const known = loaded.get(source);
  if (known !== undefined) return known;
  const adapter = await LOADERS[source]();
  loaded.set(source, adapter);
  return adapter;
};

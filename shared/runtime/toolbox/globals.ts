import type { ToolboxDeps } from './index.ts';

/**
 * The global parameters, masked ones resolved, and the masked values (for
 * redaction). Stub of the seam (no store call): its owner fills it in.
 */
export const loadGlobals = (
  _deps: ToolboxDeps,
): Promise<{ values: Record<string, string>; maskedValues: string[] }> =>
  Promise.resolve({ values: {}, maskedValues: [] });

// Writes integrations/registry.generated.ts: one static import per integration folder, and
// integrations/securechange-enrichment/enrichers.generated.ts: one per enricher file.
// Static imports are what esbuild, tsc, eslint, vitest and tsx all read alike, so `npm start`,
// the tests and the Lambda bundles see the same set by construction. Node built-ins (and the
// dependency-free error classes) only: vitest.config.ts, the CLI and the CDK app load this first.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../../shared/errors.ts';

/** The repository root (where `integrations/` lives). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

/** The file written, relative to the root's `integrations/` folder. Git-ignored. */
export const GENERATED_FILE = 'registry.generated.ts';

/** The manifest's id rule (shared/model/manifest.ts), repeated here so that this file needs no zod. */
export const INTEGRATION_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The integration folders of `<root>/integrations`, sorted: every direct child
 * directory not starting with `_` or `.` (those hold shared helper code). Each
 * must be named as a manifest id and hold an `index.ts`; anything else throws
 * a ValidationError (`invalid_integration_folder`) naming the path, so that a
 * stray folder fails start, test and synth alike instead of being skipped unseen.
 *
 * @example
 * ```ts
 * integrationFolders(REPO_ROOT); // ['checkpoint-publish-gate', 'log-event', …]
 * ```
 */
export const integrationFolders = (root: string): string[] => {
  const dir = join(root, 'integrations');
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
    .map((e) => e.name)
    // Code-point order, not the locale's: the same text on every machine.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of folders) {
    if (!INTEGRATION_ID.test(name)) {
      throw new ValidationError(
        `integrations/${name}: not a valid integration id (lower-case letters, digits and -, at most 64; ` +
          'start helper folders with _)',
        'invalid_integration_folder',
      );
    }
    if (!existsSync(join(dir, name, 'index.ts'))) {
      throw new ValidationError(
        `integrations/${name}: no index.ts (an integration folder default-exports its integration from index.ts)`,
        'invalid_integration_folder',
      );
    }
  }
  return folders;
};

/** `log-event` → `logEvent`; `1pass` → `_1pass` (an identifier cannot start with a digit). */
export const identifierOf = (id: string): string => {
  const camel = id.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/-/g, '');
  return /^[0-9]/.test(camel) ? `_${camel}` : camel;
};

/** The generated module's text for these folders (in the order given). */
export const registrySource = (folders: readonly string[]): string => {
  const imports = folders.map((f) => `import ${identifierOf(f)} from './${f}/index.ts';`);
  const entries = folders.map((f) => `  { folder: '${f}', default: ${identifierOf(f)} },`);
  return [
    '// Generated from the folders of integrations/ by cli/integrations/registry-file.ts: do not edit.',
    '// Rewritten by `npm run generate`, `npm test`, `npm start`, the CDK bundling and vitest.config.ts.',
    "import type { IntegrationFolder } from '../shared/sdk/index.ts';",
    ...imports,
    '',
    'export const integrationFolders: readonly IntegrationFolder[] = [',
    ...entries,
    '];',
    '',
  ].join('\n');
};

/** What {@link writeEnricherRegistry} did. */
export interface EnricherRegistryWrite {
  readonly path: string;
  readonly changed: boolean;
  readonly files: readonly string[];
}

/** What {@link writeIntegrationRegistry} did. */
export interface RegistryWrite {
  readonly path: string;
  /** False when the file already held this text (then it was not touched: no mtime churn for watchers). */
  readonly changed: boolean;
  readonly folders: readonly string[];
  /** The enricher module, when the project has the `securechange-enrichment` folder. */
  readonly enrichers?: EnricherRegistryWrite;
}

/**
 * Writes `text` to `path` unless it holds it already. Atomic (a temporary file renamed
 * over it): vitest's config and `pretest` may write it at the same time, and a reader
 * never sees half a file. True when written.
 */
export const writeIfChanged = (path: string, text: string): boolean => {
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return false;
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return true;
};

/** The integration whose plug-ins are discovered like integrations (`enrichers/<id>.ts`). */
export const ENRICHMENT_FOLDER = 'securechange-enrichment';
/** The enricher module, relative to that folder. Git-ignored. */
export const ENRICHERS_GENERATED_FILE = 'enrichers.generated.ts';

/**
 * The enricher files of `<root>/integrations/securechange-enrichment/enrichers`, sorted,
 * without `.ts`: every `*.ts` file there except tests (`*.test.ts`) and names starting
 * with `_` or `.` (helpers); sub-folders are not looked into. Each name must be an id
 * (the enricher's id equals it), or a ValidationError (`invalid_enricher_file`) names
 * the path. No folder: none.
 *
 * @example
 * ```ts
 * enricherFiles(REPO_ROOT); // ['address-classes', 'servicenow-cmdb']
 * ```
 */
export const enricherFiles = (root: string): string[] => {
  const dir = join(root, 'integrations', ENRICHMENT_FOLDER, 'enrichers');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir, { withFileTypes: true })
    .filter(
      (e) =>
        e.isFile() &&
        e.name.endsWith('.ts') &&
        !e.name.endsWith('.test.ts') &&
        !e.name.endsWith('.d.ts') &&
        !e.name.startsWith('_') &&
        !e.name.startsWith('.'),
    )
    .map((e) => e.name.slice(0, -'.ts'.length))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of files) {
    if (!INTEGRATION_ID.test(name)) {
      throw new ValidationError(
        `integrations/${ENRICHMENT_FOLDER}/enrichers/${name}.ts: not a valid enricher id (lower-case letters, ` +
          'digits and -, at most 64; start helper files with _)',
        'invalid_enricher_file',
      );
    }
  }
  return files;
};

/** The generated enricher module's text for these files (in the order given). */
export const enricherRegistrySource = (files: readonly string[]): string => {
  const imports = files.map((f) => `import ${identifierOf(f)} from './enrichers/${f}.ts';`);
  const entries = files.map((f) => `  { file: '${f}', default: ${identifierOf(f)} },`);
  return [
    `// Generated from the files of integrations/${ENRICHMENT_FOLDER}/enrichers/ by cli/integrations/registry-file.ts: do not edit.`,
    '// Rewritten with integrations/registry.generated.ts (`npm run generate`, `npm test`, `npm start`, the CDK bundling).',
    "import type { EnricherFile } from '../../shared/sdk/index.ts';",
    ...imports,
    '',
    'export const enricherFiles: readonly EnricherFile[] = [',
    ...entries,
    '];',
    '',
  ].join('\n');
};

/**
 * Writes `<root>/integrations/securechange-enrichment/enrichers.generated.ts` from the
 * files of its `enrichers/` when its text changes; nothing when the project has no such
 * integration folder.
 */
export const writeEnricherRegistry = (root: string = REPO_ROOT): EnricherRegistryWrite | undefined => {
  const folder = join(root, 'integrations', ENRICHMENT_FOLDER);
  if (!existsSync(folder)) return undefined;
  const files = enricherFiles(root);
  const path = join(folder, ENRICHERS_GENERATED_FILE);
  return { path, changed: writeIfChanged(path, enricherRegistrySource(files)), files };
};

/**
 * Writes `<root>/integrations/registry.generated.ts` from the folder listing
 * when its text changes, then the enricher module (see {@link writeEnricherRegistry}):
 * every place that generates the one generates the other.
 */
export const writeIntegrationRegistry = (root: string = REPO_ROOT): RegistryWrite => {
  const folders = integrationFolders(root);
  const path = join(root, 'integrations', GENERATED_FILE);
  const changed = writeIfChanged(path, registrySource(folders));
  const enrichers = writeEnricherRegistry(root);
  return { path, changed, folders, ...(enrichers && { enrichers }) };
};

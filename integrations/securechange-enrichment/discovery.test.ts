import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ENRICHERS_GENERATED_FILE,
  enricherFiles,
  enricherRegistrySource,
  REPO_ROOT,
  writeIntegrationRegistry,
} from '../../cli/integrations/registry-file.ts';
import { defineEnricher, enrichersOfFiles } from '../../shared/sdk/index.ts';
import { enricherFiles as generated } from './enrichers.generated.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A project with an integration folder and, when given, the enrichment folder with these files in enrichers/. */
const projectWith = (enricherFileNames?: readonly string[]): string => {
  const root = mkdtempSync(join(tmpdir(), 'triggerhub-enrichers-'));
  roots.push(root);
  mkdirSync(join(root, 'integrations', 'log-event'), { recursive: true });
  writeFileSync(join(root, 'integrations', 'log-event', 'index.ts'), 'export default 1;\n');
  if (enricherFileNames !== undefined) {
    const dir = join(root, 'integrations', 'securechange-enrichment', 'enrichers');
    mkdirSync(join(dir, '_helpers'), { recursive: true });
    writeFileSync(join(root, 'integrations', 'securechange-enrichment', 'index.ts'), 'export default 1;\n');
    for (const f of enricherFileNames) writeFileSync(join(dir, f), 'export default 1;\n');
  }
  return root;
};

describe('enricher discovery', () => {
  it('lists the enricher files of this repository in the generated module', () => {
    expect(generated.map((f) => f.file)).toEqual(enricherFiles(REPO_ROOT));
    expect(generated.map((f) => f.file)).toEqual(['address-classes', 'servicenow-cmdb']);
  });

  it('finds enrichers/<id>.ts, skipping tests, _helpers, .hidden and sub-folders, sorted', () => {
    const root = projectWith([
      'z-last.ts',
      'a-first.ts',
      'a-first.test.ts',
      '_shared.ts',
      '.x.ts',
      'notes.md',
    ]);
    expect(enricherFiles(root)).toEqual(['a-first', 'z-last']);
  });

  it('refuses a file whose name is no id, naming it', () => {
    const root = projectWith(['Bad_Name.ts']);
    expect(() => enricherFiles(root)).toThrow(
      'integrations/securechange-enrichment/enrichers/Bad_Name.ts: not a valid enricher id',
    );
  });

  it('is written with the integration registry, only when the folder exists, and not rewritten when unchanged', () => {
    // Prepare
    const without = projectWith();
    const root = projectWith(['owner-lookup.ts']);
    const file = join(root, 'integrations', 'securechange-enrichment', ENRICHERS_GENERATED_FILE);

    // Act
    const none = writeIntegrationRegistry(without);
    const first = writeIntegrationRegistry(root);
    const past = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, past, past);
    const second = writeIntegrationRegistry(root);

    // Assess
    expect(none.enrichers).toBeUndefined();
    expect(first.enrichers).toEqual({ path: file, changed: true, files: ['owner-lookup'] });
    expect(second.enrichers?.changed).toBe(false);
    expect(statSync(file).mtime.getTime()).toBe(past.getTime());
    expect(readFileSync(file, 'utf8')).toBe(enricherRegistrySource(['owner-lookup']));
    expect(readFileSync(file, 'utf8')).toContain("import ownerLookup from './enrichers/owner-lookup.ts';");
    expect(readFileSync(file, 'utf8')).toContain("{ file: 'owner-lookup', default: ownerLookup },");
  });

  it('checks each file’s default export: made with defineEnricher, id equal to the file name', () => {
    const e = defineEnricher({ id: 'owner-lookup', name: 'Owners', parameters: {}, getData: () => null });
    expect(enrichersOfFiles([{ file: 'owner-lookup', default: e }], 'enrichers')).toEqual([e]);
    expect(() => enrichersOfFiles([{ file: 'owner', default: e }], 'enrichers')).toThrow(
      'enrichers/owner.ts: default export has id "owner-lookup": the file name must equal the enricher id',
    );
    expect(() => enrichersOfFiles([{ file: 'x', default: { id: 'x' } }], 'enrichers')).toThrow(
      'enrichers/x.ts: its default export is not made with defineEnricher',
    );
  });
});

import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GENERATED_FILE,
  identifierOf,
  integrationFolders,
  registrySource,
  writeIntegrationRegistry,
} from '../../cli/integrations/registry-file.ts';
import { ValidationError } from '../../shared/errors.ts';
import { importGraphOf } from '../helpers/lambda-bundle.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A project root whose integrations/ holds these folders (each with an index.ts unless told). */
const projectWith = (folders: readonly string[], withoutIndex: readonly string[] = []): string => {
  const root = mkdtempSync(join(tmpdir(), 'triggerhub-registry-'));
  roots.push(root);
  for (const f of folders) {
    mkdirSync(join(root, 'integrations', f), { recursive: true });
    if (!withoutIndex.includes(f))
      writeFileSync(join(root, 'integrations', f, 'index.ts'), 'export default 1;\n');
  }
  mkdirSync(join(root, 'integrations'), { recursive: true });
  return root;
};

describe('integrationFolders', () => {
  it('lists the integration folders sorted, skipping _helpers, .hidden and plain files', () => {
    // Prepare
    const root = projectWith(['log-event', '_shared', '.cache', 'a-b', '1pass']);
    writeFileSync(join(root, 'integrations', 'README.md'), 'not a folder');

    // Act
    const folders = integrationFolders(root);

    // Assess
    expect(folders).toEqual(['1pass', 'a-b', 'log-event']);
  });

  it('refuses a folder whose name is no integration id, naming it', () => {
    // Prepare
    const root = projectWith(['log-event', 'Bad_Name']);

    // Act
    const list = () => integrationFolders(root);

    // Assess
    expect(list).toThrow(ValidationError);
    expect(list).toThrow('integrations/Bad_Name: not a valid integration id');
  });

  it('refuses a folder without index.ts, naming it', () => {
    // Prepare
    const root = projectWith(['log-event', 'empty'], ['empty']);

    // Act, Assess
    expect(() => integrationFolders(root)).toThrow('integrations/empty: no index.ts');
  });
});

describe('registrySource', () => {
  it('imports each folder’s default export under a camelCase name and lists it with its folder', () => {
    // Act
    const source = registrySource(['1pass', 'a-b', 'log-event']);

    // Assess
    expect(source).toContain("import _1pass from './1pass/index.ts';");
    expect(source).toContain("import aB from './a-b/index.ts';");
    expect(source).toContain("import logEvent from './log-event/index.ts';");
    expect(source).toContain(
      "  { folder: '1pass', default: _1pass },\n  { folder: 'a-b', default: aB },\n  { folder: 'log-event', default: logEvent },\n",
    );
    expect(source).toContain('do not edit');
    expect(registrySource(['1pass', 'a-b', 'log-event'])).toBe(source);
  });

  it('gives valid, distinct identifiers', () => {
    expect(identifierOf('log-event')).toBe('logEvent');
    expect(identifierOf('1pass')).toBe('_1pass');
    expect(identifierOf('a-b-c9')).toBe('aBC9');
    expect(identifierOf('x')).toBe('x');
  });
});

describe('writeIntegrationRegistry', () => {
  it('writes the module, then leaves it untouched (same mtime) while the folders stay the same', () => {
    // Prepare
    const root = projectWith(['b-two', 'a-one']);
    const file = join(root, 'integrations', GENERATED_FILE);

    // Act
    const first = writeIntegrationRegistry(root);
    const past = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, past, past);
    const second = writeIntegrationRegistry(root);

    // Assess
    expect(first).toEqual({ path: file, changed: true, folders: ['a-one', 'b-two'] });
    expect(second.changed).toBe(false);
    expect(statSync(file).mtime.getTime()).toBe(past.getTime());
    expect(readFileSync(file, 'utf8')).toBe(registrySource(['a-one', 'b-two']));
  });

  it('rewrites it when a folder is added, and leaves no temporary file behind', () => {
    // Prepare
    const root = projectWith(['a-one']);
    writeIntegrationRegistry(root);
    mkdirSync(join(root, 'integrations', 'c-three'));
    writeFileSync(join(root, 'integrations', 'c-three', 'index.ts'), 'export default 1;\n');

    // Act
    const again = writeIntegrationRegistry(root);

    // Assess
    expect(again.changed).toBe(true);
    expect(readFileSync(again.path, 'utf8')).toContain("import cThree from './c-three/index.ts';");
    expect(readdirSync(join(root, 'integrations')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the old module when the listing fails', () => {
    // Prepare
    const root = projectWith(['a-one']);
    const { path } = writeIntegrationRegistry(root);
    const before = readFileSync(path, 'utf8');
    mkdirSync(join(root, 'integrations', 'Nope'));

    // Act, Assess
    expect(() => writeIntegrationRegistry(root)).toThrow('integrations/Nope');
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('the CLI before generation', () => {
  it('never reaches the generated module from cli/main.ts’s static imports (any command works without it)', async () => {
    // Prepare
    const graph = await importGraphOf('cli/main.ts');
    const reached = new Set<string>();
    const pending = ['cli/main.ts'];
    for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
      if (reached.has(path)) continue;
      reached.add(path);
      for (const i of graph.inputs[path]?.imports ?? []) {
        if (i.kind === 'import-statement' && i.external !== true) pending.push(i.path);
      }
    }

    // Assess: the walk is real (it holds the commands; `start` imports the stack with import(),
    // which reaches the module), and the generated file is not statically reached
    expect(reached).toContain('cli/commands/integrations.ts');
    expect(reached).toContain('cli/integrations/registry-file.ts');
    expect(Object.keys(graph.inputs)).toContain('integrations/registry.generated.ts');
    expect([...reached].filter((p) => p.includes('registry.generated'))).toEqual([]);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrationFolders as foldersOnDisk, REPO_ROOT } from '../../cli/integrations/registry-file.ts';
import { integrationFolders } from '../../integrations/registry.generated.ts';
import { isIntegration } from '../../shared/sdk/index.ts';

/** The headings a CHANGELOG version may have (issue 8: Added / Changed / Fixed per version). */
const SECTIONS = new Set(['Added', 'Changed', 'Fixed']);

/** Every `## x.y.z` version of a CHANGELOG, newest (first) first, with its `###` headings. */
const versionsOf = (changelog: string): { version: string; sections: string[] }[] => {
  const versions: { version: string; sections: string[] }[] = [];
  for (const line of changelog.split('\n')) {
    const version = /^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]?(?:\s|$)/.exec(line)?.[1];
    if (version !== undefined) versions.push({ version, sections: [] });
    else if (line.startsWith('## ')) versions.push({ version: `(not a version: ${line})`, sections: [] });
    const section = /^### (.+?)\s*$/.exec(line)?.[1];
    if (section !== undefined) versions.at(-1)?.sections.push(section);
  }
  return versions;
};

describe('the integration folders of this repository', () => {
  it('are all in the generated registry module, in the same order', () => {
    expect(integrationFolders.map((f) => f.folder)).toEqual(foldersOnDisk(REPO_ROOT));
    expect(integrationFolders.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(integrationFolders.map((f) => [f.folder, f] as const))('integrations/%s', (folder, entry) => {
    const dir = join(REPO_ROOT, 'integrations', folder);

    it('default-exports an integration made with defineIntegration, whose id is the folder name', () => {
      expect(isIntegration(entry.default)).toBe(true);
      if (!isIntegration(entry.default)) return;
      expect(entry.default.manifest.id).toBe(folder);
    });

    it('has a CHANGELOG.md whose newest version is the manifest’s, with only Added / Changed / Fixed', () => {
      // Prepare
      const file = join(dir, 'CHANGELOG.md');
      expect(existsSync(file), `${folder}/CHANGELOG.md`).toBe(true);

      // Act
      const versions = versionsOf(readFileSync(file, 'utf8'));

      // Assess
      expect(versions.length).toBeGreaterThan(0);
      if (isIntegration(entry.default)) expect(versions[0]?.version).toBe(entry.default.manifest.version);
      for (const { version, sections } of versions) {
        expect(sections.length, `## ${version} has no ### section`).toBeGreaterThan(0);
        expect(
          sections.filter((s) => !SECTIONS.has(s)),
          `## ${version}`,
        ).toEqual([]);
      }
    });

    it('holds its own tests', () => {
      const tests = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
        f.endsWith('.test.ts'),
      );
      expect(tests.length).toBeGreaterThan(0);
    });
  });

  it('reads a CHANGELOG as the checks above do', () => {
    expect(
      versionsOf(
        '# Changelog\n\n## 1.1.0 - 2026-12-01\n\n### Fixed\n\n- a\n\n## 1.0.0\n\n### Added\n### Removed\n',
      ),
    ).toEqual([
      { version: '1.1.0', sections: ['Fixed'] },
      { version: '1.0.0', sections: ['Added', 'Removed'] },
    ]);
    expect(versionsOf('## Unreleased\n### Added\n')[0]?.version).toBe('(not a version: ## Unreleased)');
  });
});

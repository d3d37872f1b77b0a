import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { buildConsole, consoleBuildOptions } from '../cli/console/build.ts';
import { REPO_ROOT } from '../cli/integrations/registry-file.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { NONE } from './row.ts';
import { fixed } from './stats.ts';

/** What a first visit to the console may download, compressed: page, script and style sheet. */
export const CONSOLE_GZIP_BUDGET_BYTES = 48 * 1024;

const kib = (bytes: number): string => `${fixed(bytes / 1024, 1)} KiB`;

/**
 * The baseline: a bare Preact page (`render(<h1>…</h1>)`) built with the console's own
 * esbuild options — what any Preact console costs before it does anything.
 */
const barePreactBytes = (): { raw: number; gzip: number } => {
  const dir = mkdtempSync(join(tmpdir(), 'triggerhub-bench-console-'));
  try {
    const entry = join(dir, 'main.tsx');
    writeFileSync(entry, "import { render } from 'preact';\nrender(<h1>triggerhub</h1>, document.body);\n");
    const out = buildSync(consoleBuildOptions(REPO_ROOT, entry));
    const text = out.outputFiles.map((f) => f.text).join('');
    return { raw: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * The console's weight: everything a first visit downloads (index.html, the one script, the
 * one style sheet; `config.json` is a few dozen bytes), gzip-compressed as browsers fetch it,
 * against a bare Preact page built the same way.
 */
export const measureConsole = (): BenchSection => {
  const ours = buildConsole();
  const bare = barePreactBytes();
  const label = (name: string): string =>
    name.endsWith('.js') ? 'script' : name.endsWith('.css') ? 'style sheet' : 'page';
  const files = ours.files.map((f) => `${label(f.name)} ${kib(Buffer.byteLength(f.body))}`).join(', ');
  const rows: BenchRow[] = [
    {
      name: 'console: first visit downloads (gzip)',
      measured: kib(ours.bytes.gzip),
      baseline: `${kib(bare.gzip)} bare Preact page`,
      ratio: `${fixed(ours.bytes.gzip / bare.gzip, 1)}×`,
      spread: NONE,
      target: `≤ ${kib(CONSOLE_GZIP_BUDGET_BYTES)}`,
      pass: ours.bytes.gzip <= CONSOLE_GZIP_BUDGET_BYTES,
    },
    {
      name: 'console: first visit downloads (raw)',
      measured: kib(ours.bytes.raw),
      baseline: kib(bare.raw),
      ratio: `${fixed(ours.bytes.raw / bare.raw, 1)}×`,
      spread: files,
      target: 'info',
      pass: 'info',
    },
  ];
  return { rows, notes: [] };
};

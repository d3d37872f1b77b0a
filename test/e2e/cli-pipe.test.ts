import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/samples.ts';

describe('triggerhub | head', () => {
  it('exits quietly when the reader of its output has gone (EPIPE), without a stack trace', async () => {
    // Prepare: the reader closes before the CLI writes, as `| head -1` does after one line.
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'triggerhub.js'), '--help'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));

    // Act
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    // Assess
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});

// A process racing for a data-folder lock, driven line by line on stdin by
// test/unit/local-lock.test.ts: `go <dir>` tries once and answers `won` or
// `lost <code>`; `release` lets go of a won lock and answers `released`. The test
// bundles it (with the lock code) and starts the bundle with plain node.
import { createInterface } from 'node:readline';
import { lockDataDir } from '../../cli/local/lock.ts';

let held: { release(): Promise<void> } | undefined;
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

say('ready');
for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...rest] = line.split(' ');
  if (command === 'go') {
    try {
      held = await lockDataDir(rest.join(' '));
      say('won');
    } catch (e) {
      say(`lost ${e instanceof Error && 'code' in e ? String(e.code) : String(e)}`);
    }
  } else if (command === 'release') {
    await held?.release();
    held = undefined;
    say('released');
  }
}

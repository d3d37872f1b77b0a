import type { ScriptRunInput, ScriptRunResult } from '../../ports.ts';
import { runScriptInThread } from './host.ts';

// The entry of the child process `npm start` runs one script in
// (shared/scripts/child-process-runner.ts forks it): the input arrives over
// IPC, log lines go back as the script writes them, then the result, then
// the process exits. It holds no credentials: its environment is PATH,
// HOME, TZ and LANG.

/** What the parent sends, once: the run, and the thread's code when it built it from the sources. */
export interface ChildRequest {
  input: ScriptRunInput;
  threadCode?: string;
}

/** What the child says to its parent. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'log'; line: ScriptRunResult['logs'][number] }
  | { type: 'result'; status: ScriptRunResult['status']; message: string; logsTruncated: boolean };

const send = (message: ChildMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });

if (process.send === undefined) {
  process.stderr.write(
    'shared/scripts/runner/child-main.ts is started by the child-process script runner only\n',
  );
  process.exit(2);
}

// The parent gone (killed, crashed): nothing is waiting for this run.
process.on('disconnect', () => process.exit(0));

process.once('message', ({ input, threadCode }: ChildRequest) => {
  void runScriptInThread(input, {
    threadCode,
    onReady: () => void send({ type: 'ready' }),
    onLog: (line) => void send({ type: 'log', line }),
  }).then(async (result) => {
    await send({
      type: 'result',
      status: result.status,
      message: result.message,
      logsTruncated: result.logsTruncated === true,
    });
    process.exit(0);
  });
});

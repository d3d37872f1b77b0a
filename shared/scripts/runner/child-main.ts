import type { ScriptRunInput } from '../../ports.ts';
import { runScriptInThread } from './host.ts';
import { descendantsOf, killAll } from './processes.ts';
import type { ChildMessage } from './schemas.ts';

// The entry of the child process ONE script runs in (shared/scripts/
// child-process-runner.ts forks it, under npm start and in the script-runner
// Lambda alike): the input arrives over IPC, log lines go back as the script
// writes them, then the result, then the process exits. It holds no
// credentials: its environment is PATH, TZ, LANG and a HOME of its own.

export type { ChildMessage } from './schemas.ts';

/** What the parent sends, once: the run, its deadline, and the thread's code when it built it from the sources. */
export interface ChildRequest {
  input: ScriptRunInput;
  /** When the script is ended (epoch ms), as the parent counted it from the fork. */
  deadlineAt: number;
  threadCode?: string;
}

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

process.once('message', ({ input, threadCode, deadlineAt }: ChildRequest) => {
  void runScriptInThread(input, {
    threadCode,
    deadlineAt,
    onReady: () => void send({ type: 'ready' }),
    onLog: (line) => void send({ type: 'log', line }),
  }).then(async (result) => {
    await send({
      type: 'result',
      status: result.status,
      message: result.message,
      logsTruncated: result.logsTruncated === true,
    });
    // Nothing the run started outlives it (the parent kills the group too, but not what left it).
    killAll(descendantsOf(process.pid));
    process.exit(0);
  });
});

import type { InvokeCommand as InvokeCommandClass, LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsRequestHandler } from '../aws/client-config.ts';
import type { ScriptRunInput, ScriptRunner, ScriptRunResult } from '../ports.ts';
import { parseScriptRunResult } from './runner/schemas.ts';

/** A synchronous Lambda invocation takes at most 6 MB of request payload. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface LambdaScriptRunnerOptions {
  /** The script-runner function (TRIGGERHUB_SCRIPT_RUNNER_FUNCTION): name, ARN or `name:alias`. */
  functionName: string;
  region: string;
  /** @see AwsRequestHandler */
  requestHandler?: AwsRequestHandler;
}

const failed = (message: string): ScriptRunResult => ({ status: 'failed', message, logs: [] });

/**
 * The ScriptRunner in AWS: invokes the script-runner Lambda (a role that
 * grants nothing but its own logs) synchronously with the run's input, and
 * returns what it answers. The Lambda client is loaded and created on the
 * first script run: a worker whose jobs run no script never pays for it.
 *
 * A stop (`signal`) abandons the invocation at once (the run ends
 * `failed` "stopped"); the runner's own invocation ends at the script's
 * deadline at the latest. An error of the invocation itself (throttled,
 * unreachable) is thrown, as any other platform failure of an attempt; the
 * client does not retry on its own, since a retry after a lost answer would
 * run the script twice.
 */
export class LambdaScriptRunner implements ScriptRunner {
  readonly #options: LambdaScriptRunnerOptions;
  #client: Promise<{ client: LambdaClient; InvokeCommand: typeof InvokeCommandClass }> | undefined;

  constructor(options: LambdaScriptRunnerOptions) {
    this.#options = options;
  }

  #lambda() {
    this.#client ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => ({
      client: new LambdaClient({
        region: this.#options.region,
        maxAttempts: 1,
        ...(this.#options.requestHandler === undefined
          ? {}
          : { requestHandler: this.#options.requestHandler }),
      }),
      InvokeCommand,
    }));
    return this.#client;
  }

  async run(input: ScriptRunInput, signal: AbortSignal): Promise<ScriptRunResult> {
    if (signal.aborted) return failed('stopped');
    const payload = Buffer.from(JSON.stringify(input));
    if (payload.byteLength > MAX_INVOKE_PAYLOAD_BYTES) {
      return failed(
        `the script's input is ${payload.byteLength} bytes, more than the ${MAX_INVOKE_PAYLOAD_BYTES} a Lambda invocation takes`,
      );
    }
    const { client, InvokeCommand } = await this.#lambda();
    let answer;
    try {
      answer = await client.send(
        new InvokeCommand({
          FunctionName: this.#options.functionName,
          InvocationType: 'RequestResponse',
          Payload: payload,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (signal.aborted) return failed('stopped');
      throw error;
    }
    const text = answer.Payload === undefined ? '' : Buffer.from(answer.Payload).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (answer.FunctionError !== undefined) {
      // Unhandled: the runner's invocation died (its time-out, out of memory, its process exited).
      const errorMessage = (body as { errorMessage?: unknown } | undefined)?.errorMessage;
      return failed(
        typeof errorMessage === 'string' && errorMessage !== ''
          ? errorMessage
          : `the script runner failed (${answer.FunctionError})`,
      );
    }
    const parsed = parseScriptRunResult(body);
    return parsed.ok
      ? parsed.result
      : failed(`the script runner answered something that is not a result (${parsed.problem})`);
  }
}

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { ValidationError, errorMessage } from '../../shared/errors.ts';
import { MIB, SCRIPT_ID_PATTERN } from '../../shared/model/index.ts';
import { cell, nextPageHint, renderFields, renderTable } from '../output.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

/** The largest script `PUT /admin/scripts/{id}` takes. */
export const MAX_SCRIPT_BYTES = MIB;

const scriptIdArg = (value: string): string => {
  if (!SCRIPT_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError('a script id is lower-case letters, digits, - and _, at most 64.');
  }
  return value;
};

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The first 12 hex digits: enough to tell versions apart in a table. */
const shortSha = (sha: string | undefined): string => (sha === undefined ? '-' : cell(sha.slice(0, 12), 12));

/**
 * A script file's text, checked as the stack would check it, before anything is
 * sent: a `.js` file (as Plutora: "Only .js files can be used"), not empty, at
 * most 1 MiB, UTF-8.
 */
const readScriptFile = async (path: string, shown: string): Promise<string> => {
  if (extname(path).toLowerCase() !== '.js') {
    throw new ValidationError(`Only .js files can be used: ${shown} is not a .js file`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    throw new ValidationError(
      code === 'ENOENT'
        ? `cannot read ${shown}: no such file`
        : `cannot read ${shown}: ${errorMessage(error)}`,
    );
  }
  if (bytes.length === 0) throw new ValidationError(`${shown} is empty`);
  if (bytes.length > MAX_SCRIPT_BYTES) {
    throw new ValidationError(
      `${shown} is ${bytes.length} bytes; a script is at most 1 MiB (${MAX_SCRIPT_BYTES} bytes)`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError(`${shown} is not UTF-8 text`);
  }
};

export const registerScriptCommands = (program: Command, ctx: CommandContext): void => {
  const scripts = program
    .command('scripts')
    .description('Upload, list and download scripts (.js) that jobs run in isolation ("script": {"id": …}).');

  scripts
    .command('push')
    .description('Upload a .js file as the next version of a script (version 1, 2, …).')
    .argument('<file>', 'the script, a .js file (at most 1 MiB, UTF-8)')
    .requiredOption('--id <id>', 'the script id (lower-case letters, digits, - and _)', scriptIdArg)
    .addHelpText(
      'after',
      '\nThe script is CommonJS (module.exports = { run }) or ESM (export function run); run(args)\n' +
        'returns a promise. A job runs it with "script": {"id": "<id>"} (the latest version) or\n' +
        '{"id": "<id>", "version": <n>}. Prints the new version and its sha256.\n\n' +
        'Example:\n' +
        '  triggerhub scripts push sync.js --id sync',
    )
    .action(async (file: string, opts: { id: string }, cmd: Command) => {
      const source = await readScriptFile(resolve(ctx.cwd, file), file);
      const version = await ctx.client(cmd).pushScript(opts.id, source);
      if (ctx.printJson(cmd, version)) return;
      ctx.io.stdout(
        `pushed  ${cell(version.id, 64)}  version ${version.version}  ` +
          `(${version.bytes} bytes, sha256 ${shortSha(version.sha256)})\n`,
      );
      const local = sha256(source);
      if (version.sha256 !== local) {
        ctx.io.stderr(
          `warning: the stack recorded sha256 ${cell(version.sha256, 64)}, the file's is ${local}\n`,
        );
      }
    });

  scripts
    .command('list')
    .description('List the scripts with their latest version.')
    .option('--limit <n>', 'scripts per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .action(async (opts: { limit?: number; cursor?: string }, cmd: Command) => {
      const page = await ctx.client(cmd).listScripts({ limit: opts.limit, cursor: opts.cursor });
      if (ctx.printJson(cmd, page)) return;
      ctx.io.stdout(
        page.items.length === 0
          ? 'No scripts.\n'
          : renderTable(
              ['ID', 'LATEST', 'SHA256', 'UPDATED', 'BY'],
              page.items.map((s) => [
                cell(s.id, 64),
                String(s.latestVersion),
                shortSha(s.sha256),
                cell(s.updatedAt, 30),
                cell(s.updatedBy, 80),
              ]),
            ),
      );
      const limit = opts.limit === undefined ? '' : ` --limit ${opts.limit}`;
      ctx.io.stdout(
        nextPageHint(`triggerhub scripts list${limit}`, page.nextCursor && shellWord(page.nextCursor)),
      );
    });

  scripts
    .command('show')
    .description('Show a script and its versions, newest first.')
    .argument('<id>', 'script id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const script = await ctx.client(cmd).getScript(id);
      if (ctx.printJson(cmd, script)) return;
      ctx.io.stdout(
        renderFields([
          ['ID', cell(script.id, 64)],
          ['Latest version', String(script.latestVersion)],
        ]) +
          '\n' +
          renderTable(
            ['VERSION', 'SHA256', 'BYTES', 'UPLOADED', 'BY'],
            script.versions.map((v) => [
              String(v.version),
              shortSha(v.sha256),
              String(v.bytes),
              cell(v.uploadedAt, 30),
              cell(v.uploadedBy, 80),
            ]),
          ),
      );
    });

  scripts
    .command('pull')
    .description("Download a script's source: the latest version, or --version n; to stdout, or -o file.")
    .argument('<id>', 'script id')
    .option('--version <n>', 'the version (default: the latest)', intArg('--version', 1, 1_000_000))
    .option('-o, --output <file>', 'write the source to this file instead of stdout')
    .addHelpText(
      'after',
      '\nThe download is checked against the sha256 the stack recorded for the version.\n' +
        'With --json: {"id", "version", "sha256", "source"}.',
    )
    .action(async (id: string, opts: { version?: number; output?: string }, cmd: Command) => {
      const client = ctx.client(cmd);
      const version = opts.version ?? (await client.getScript(id)).latestVersion;
      const { source, sha256: recorded } = await client.getScriptSource(id, version);
      const actual = sha256(source);
      if (recorded !== undefined && recorded.toLowerCase() !== actual) {
        throw new ValidationError(
          `the download of ${id} version ${version} does not match its sha256 (recorded ${recorded}, got ${actual})`,
        );
      }
      if (ctx.printJson(cmd, { id, version, sha256: actual, source })) return;
      if (opts.output === undefined) {
        ctx.io.stdout(source);
        return;
      }
      try {
        await writeFile(resolve(ctx.cwd, opts.output), source, 'utf8');
      } catch (error) {
        throw new ValidationError(`cannot write ${opts.output}: ${errorMessage(error)}`);
      }
      ctx.io.stdout(
        `pulled  ${cell(id, 64)}  version ${version}  to ${cell(opts.output, 200)}  (${Buffer.byteLength(source)} bytes)\n`,
      );
    });
};

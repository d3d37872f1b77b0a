import { createRequire, register } from 'node:module';
import { format, inspect, types } from 'node:util';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import type { ScriptLogLine } from '../../ports.ts';
import { ScriptLog, cutUtf8, MAX_SCRIPT_LINE_BYTES } from './log-cap.ts';
import {
  moduleNotAvailableMessage,
  SCRIPT_BUILTINS,
  SCRIPT_MODULES,
  scriptModuleTarget,
  UUID_DEEP_PATHS,
} from './modules.ts';
import type { ThreadData, ThreadMessage } from './protocol.ts';

// The worker thread one uploaded script runs in (started by host.ts, never
// imported by anything else). Everything here is for the script: its
// `console`, its `require`, its ESM imports, and the one message that says
// how `run(args)` ended. The thread holds nothing but the script's input.

const port = parentPort;
if (port === null) throw new Error('shared/scripts/runner/thread.ts runs as a worker thread only');
const data = workerData as ThreadData;
const post = (message: ThreadMessage): void => port.postMessage(message);

/** A run's message from what the script resolved or rejected with. */
const textOf = (value: unknown, fallback: string): string => {
  if (value === undefined) return fallback;
  if (typeof value === 'string') return cutUtf8(value, MAX_SCRIPT_LINE_BYTES);
  if (types.isNativeError(value) || value instanceof Error) {
    const error = value;
    return cutUtf8(error.message || error.name || fallback, MAX_SCRIPT_LINE_BYTES);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // a cycle or a BigInt: shown the way console.log shows it
  }
  return cutUtf8(json ?? inspect(value), MAX_SCRIPT_LINE_BYTES);
};

// ---- console → run log lines ------------------------------------------------

const log = new ScriptLog();
const emit = (level: ScriptLogLine['level'], message: string): void => {
  const kept = log.add({ ts: new Date().toISOString(), level, message });
  if (kept !== undefined) post({ type: 'log', line: kept });
};

// The methods the seed documents, each its own level; Node's other console
// methods (table, count, timeEnd, assert, group…) call these, so they land
// in the log too, formatted as Node formats them.
const installConsole = (): void => {
  const c = globalThis.console;
  c.log = (...args: unknown[]) => emit('LOG', format(...args));
  c.debug = (...args: unknown[]) => emit('LOG', format(...args));
  c.info = (...args: unknown[]) => emit('INFO', format(...args));
  c.warn = (...args: unknown[]) => emit('WARN', format(...args));
  c.error = (...args: unknown[]) => emit('ERROR', format(...args));
  c.dir = (item?: unknown, options?: object) =>
    emit('DIR', inspect(item, { customInspect: false, ...options }));
  c.trace = function trace(...args: unknown[]) {
    // As Node's console.trace: "Trace: <message>" and the stack below the call.
    const holder = { name: 'Trace', message: format(...args), stack: '' };
    Error.captureStackTrace(holder, trace);
    emit('TRACE', holder.stack);
  };
};

// process.exit in a worker thread ends the thread only; the host tells it
// from a thread that simply ran out of work by this notice.
const installExitNotice = (): void => {
  const exit = process.exit.bind(process);
  process.exit = (code?: number | string | null) => {
    const n = Number(code ?? process.exitCode ?? 0);
    post({ type: 'exit', code: Number.isInteger(n) ? n : 1 });
    return exit(code);
  };
};

// ---- modules ----------------------------------------------------------------

const nodeRequire = createRequire(data.packagesFrom);

/** The script's `require`: Node's built-ins and the curated packages only. */
const scriptRequire = (specifier: unknown): unknown => {
  const name = String(specifier);
  const target = scriptModuleTarget(name);
  if (target === undefined) {
    throw Object.assign(new Error(moduleNotAvailableMessage(name)), { code: 'MODULE_NOT_AVAILABLE' });
  }
  const loaded = nodeRequire(target.specifier) as Record<string, unknown>;
  return target.kind === 'package' && target.member !== undefined ? loaded[target.member] : loaded;
};

const SCRIPT_URL_SCHEME = 'triggerhub-script:';

// The ESM side of the same rule, as module customization hooks (they run on
// Node's hooks thread, so they are a module of their own; plain JavaScript
// given as a data: URL, so that the thread needs no file beside it). Every
// import goes through the allow-list but those of the curated packages' own
// files (a file: parent inside node_modules: a script writes no file, having
// no fs); an import from the script, a data: module, a Function body (no
// parent, or the thread's own file) is checked. The script itself is served
// from memory under a URL of its own scheme.
const HOOKS = `
let d;
export function initialize(data) { d = data; }
export async function resolve(specifier, context, next) {
  if (specifier === d.scriptUrl) return { url: specifier, format: 'module', shortCircuit: true };
  const parent = context.parentURL;
  if (parent !== undefined && parent.startsWith('file:') && parent.includes('/node_modules/'))
    return next(specifier, context);
  const fromPackages = { ...context, parentURL: d.packagesFrom };
  const builtin = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  if (d.builtins.includes(builtin)) return next('node:' + builtin, fromPackages);
  const member = d.uuidPaths[specifier];
  if (member !== undefined) {
    const source = 'export { ' + member + ' as default } from "uuid";';
    return { url: 'data:text/javascript,' + encodeURIComponent(source), shortCircuit: true };
  }
  const match = specifier.startsWith('node:') ? null : new RegExp(d.packagePath).exec(specifier);
  if (match !== null && d.packages.includes(match[1])) return next(specifier, fromPackages);
  const error = new Error(d.notAvailable.replace('\\u0000', specifier));
  error.code = 'MODULE_NOT_AVAILABLE';
  throw error;
}
export async function load(url, context, next) {
  if (url === d.scriptUrl) return { format: 'module', source: d.source, shortCircuit: true };
  return next(url, context);
}
`;

// ---- the process, as the script sees it ------------------------------------

/** A member of `process` the script may not use: calling it says so. */
const refused = (name: string) => () => {
  throw Object.assign(new Error(`process.${name} is not available to scripts`), {
    code: 'ERR_ACCESS_DENIED',
  });
};

/**
 * The script shares this thread's `process` and global object: what would let
 * it out of its allow-list or reach another process goes before its code runs.
 * `require`, `module`, `exports` (an eval'd thread has Node's own as globals),
 * process.binding/_linkedBinding (raw fs, spawn), dlopen (native code),
 * getBuiltinModule (any built-in), loadEnvFile (reads a file), report (the
 * process's environment, files), execve, _debugProcess/_debugEnd (open
 * another Node process's inspector, as SIGUSR1 does), and kill/_kill of any
 * process but its own (its own: it ends its own run only).
 * process.exit/reallyExit stay: in a worker thread they end the thread.
 */
const hardenProcess = (): void => {
  const g = globalThis as Record<string, unknown>;
  for (const name of ['require', 'module', 'exports', '__filename', '__dirname']) {
    if (Object.hasOwn(g, name)) Reflect.deleteProperty(g, name);
  }
  const p = process as unknown as Record<string, unknown>;
  const replace = (name: string, value: unknown): void => {
    if (!(name in p)) return;
    Object.defineProperty(p, name, { value, writable: false, configurable: false, enumerable: false });
  };
  for (const name of [
    'binding',
    '_linkedBinding',
    'dlopen',
    'loadEnvFile',
    'execve',
    '_debugProcess',
    '_debugEnd',
  ])
    replace(name, refused(name));
  replace('report', undefined);
  const ownPid = process.pid;
  const rawKill = p._kill as ((pid: number, signal: number) => number) | undefined;
  // process.kill calls process._kill: both check the pid. -1 is UV_EPERM: kill throws "EPERM".
  replace('_kill', (pid: number, signal: number) =>
    pid === ownPid && rawKill !== undefined ? rawKill.call(process, pid, signal) : -1,
  );
  const kill = process.kill.bind(process);
  replace('kill', (pid: number, signal?: string | number) => {
    if (Number(pid) !== ownPid)
      throw Object.assign(new Error(`kill EPERM: a script may signal its own process only`), {
        code: 'EPERM',
        syscall: 'kill',
      });
    return kill(pid, signal);
  });
  replace('getBuiltinModule', (id: unknown) => {
    const name = String(id);
    const target = scriptModuleTarget(name);
    if (target?.kind !== 'builtin')
      throw Object.assign(new Error(moduleNotAvailableMessage(name)), { code: 'MODULE_NOT_AVAILABLE' });
    return nodeRequire(target.specifier) as unknown;
  });
};

// ---- loading the script -----------------------------------------------------

type RunFunction = (args: unknown) => unknown;

/** The script's failure before `run` is called (it does not compile, has no run…). */
class ScriptLoadError extends Error {}

const CJS_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];

// What V8 says when a CommonJS compile meets module syntax: the script is ESM.
const MODULE_SYNTAX =
  /Cannot use import statement outside a module|Unexpected token 'export'|await is only valid in async functions|Cannot use 'import\.meta' outside a module/;

/** "SyntaxError: Unexpected token (nightly@3.js:4)": V8 puts the place on the stack's first line. */
const syntaxErrorText = (error: Error): string => {
  const place = error.stack?.split('\n', 1)[0];
  return `${error.name}: ${error.message}${place !== undefined && place.startsWith(data.fileName) ? ` (${place})` : ''}`;
};

/** `run` from what a module exports: `{ run }`, a function, or a default export holding either. */
const runOf = (exported: unknown): RunFunction | undefined => {
  if (typeof exported === 'function') return exported as RunFunction;
  if (exported === null || typeof exported !== 'object') return undefined;
  const { run, default: fallback } = exported as { run?: unknown; default?: unknown };
  if (typeof run === 'function') return run as RunFunction;
  return fallback === undefined || fallback === exported ? undefined : runOf(fallback);
};

const loadCommonJs = (fn: (...params: unknown[]) => unknown): unknown => {
  const module = { exports: {} as unknown };
  fn.call(module.exports, module.exports, scriptRequire, module, data.fileName, '.');
  return module.exports;
};

const scriptUrl = `${SCRIPT_URL_SCHEME}${data.fileName}`;

/** Installs the hooks: before the script is compiled, as a CommonJS script may import() too. */
const installImportHooks = (): void => {
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: {
      scriptUrl,
      source: data.source,
      packagesFrom: data.packagesFrom,
      packages: Object.keys(SCRIPT_MODULES),
      builtins: SCRIPT_BUILTINS,
      uuidPaths: UUID_DEEP_PATHS,
      packagePath: '^([a-z0-9][a-z0-9._-]*)(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$',
      notAvailable: moduleNotAvailableMessage('\u0000'),
    },
  });
};

const loadRun = async (): Promise<RunFunction> => {
  // A hashbang line is not JavaScript inside a function body.
  const source = data.source.startsWith('#!') ? `//${data.source}` : data.source;
  let exported: unknown;
  let compiled: ((...params: unknown[]) => unknown) | undefined;
  // Always installed (a thread of its own, ~0.2 s): a Function body's
  // import() goes through Node's default loader whatever the script's own
  // compile options say, so only the hooks can refuse what it asks for.
  installImportHooks();
  try {
    compiled = vm.compileFunction(source, CJS_PARAMETERS, {
      filename: data.fileName,
      // A CommonJS script's import() goes through Node's loader, so through the hooks.
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (...params: unknown[]) => unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    if (!MODULE_SYNTAX.test(error.message))
      throw new ScriptLoadError(`the script does not compile: ${syntaxErrorText(error)}`);
  }
  if (compiled !== undefined) {
    exported = loadCommonJs(compiled);
  } else {
    try {
      exported = await import(scriptUrl);
    } catch (error) {
      if (error instanceof SyntaxError)
        throw new ScriptLoadError(`the script does not compile: ${syntaxErrorText(error)}`);
      throw error;
    }
  }
  const run = runOf(exported);
  if (run === undefined) {
    throw new ScriptLoadError(
      'the script exports no run function (module.exports = { run } or export function run)',
    );
  }
  return run;
};

// ---- the run ----------------------------------------------------------------

const main = async (): Promise<void> => {
  installConsole();
  installExitNotice();
  hardenProcess();
  post({ type: 'ready' });
  let status: 'succeeded' | 'failed' = 'failed';
  let message: string;
  try {
    const run = await loadRun();
    message = textOf(await run(data.args), 'succeeded');
    status = 'succeeded';
  } catch (error) {
    message = textOf(error, 'failed');
  }
  post({ type: 'result', status, message, logsTruncated: log.truncated });
};

// vm.USE_MAIN_CONTEXT_DEFAULT_LOADER (a CommonJS script's import()) warns that
// it is experimental on every run that uses it: not the script author's concern.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (text.includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
};

void main();

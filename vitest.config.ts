import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { writeConsoleAssets } from './cli/console/build.ts';
import { writeIntegrationRegistry } from './cli/integrations/registry-file.ts';

/**
 * Unit test files that change what another file in the same worker would see: they
 * mock or reload modules, stub the environment or globals, install fake timers, mock an
 * SDK client class (aws-sdk-client-mock stubs its prototype until restored), touch
 * `process.env` (also through test/helpers' `useFixedAwsCredentials`), set the
 * process-wide log format, run the local stack or hold a data-folder lock. They run
 * isolated (a fresh module graph per file); every other unit file shares its worker's
 * modules, which spares each of them re-importing the SDK,
 * zod and hono (half the unit suite's CPU). Read from the sources, so that a new file
 * doing any of this is isolated without anyone having to list it.
 */
const CHANGES_SHARED_STATE =
  /\bvi\.(?:mock|doMock|unmock|doUnmock|resetModules|stubEnv|stubGlobal|useFakeTimers)\b|\bmockClient\(|process\.env\b|useLocalLogFormat|resetLogFormat|runLocal|startInProcessStack|lockDataDir|useFixedAwsCredentials/;
const ROOT = fileURLToPath(new URL('.', import.meta.url));
const UNIT_DIR = 'test/unit';
const isolatedUnitFiles = readdirSync(join(ROOT, UNIT_DIR), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => `${UNIT_DIR}/${file}`)
  .filter((file) => CHANGES_SHARED_STATE.test(readFileSync(join(ROOT, file), 'utf8')));

// The registry module every test reaches (functions/wiring/registry.ts, test/helpers/memory-deps.ts)
// lists the folders of integrations/: written before any test file is collected, so a folder
// added or removed since the last run is what the tests see. Unchanged text is not rewritten.
const { folders: INTEGRATION_FOLDERS } = writeIntegrationRegistry(ROOT);
// The console's built files (console/assets.generated.ts), from its sources as they are now.
writeConsoleAssets(ROOT);

/**
 * Each integration folder's own tests must cover ≥ 70 % of its lines. One threshold per
 * folder (vitest checks a glob's threshold on the files it matches together), from the
 * same listing as the registry; `include` counts a file no test loads as 0 %, so a folder
 * without tests fails rather than passing as "0 of 0".
 */
const FOLDER_MIN_LINES = 70;
const folderThresholds = Object.fromEntries(
  INTEGRATION_FOLDERS.map((f) => [`integrations/${f}/**`, { lines: FOLDER_MIN_LINES }]),
);

// A property test (400–2000 runs) takes well under a second alone, but on a loaded 2-core
// machine running two files at once it can pass the default 5 s: a time-out is for a hang.
const UNIT_TIMEOUT_MS = 15_000;

// Five suites: `npm test` runs four in one run, then the integration folders' own tests
// with coverage (v8 coverage would slow the others for nothing); `vitest run --project <name>`
// one (`unit*` for both halves of the unit suite).
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['integrations/*/**/*.ts'],
      exclude: ['**/*.test.ts', 'integrations/registry.generated.ts'],
      thresholds: folderThresholds,
    },
    // The SDK warns on every worker that Node 20 support ends; the Lambda runtime is newer.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Files wait on child processes, emulators and servers much of the time: on a 2-core
    // machine the default (one worker fewer than cores) would run them one at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [`${UNIT_DIR}/**/*.test.ts`],
          exclude: isolatedUnitFiles,
          environment: 'node',
          // Worker threads start faster than processes; nothing here needs a process of its own.
          pool: 'threads',
          isolate: false,
          testTimeout: UNIT_TIMEOUT_MS,
        },
      },
      {
        extends: true,
        test: {
          name: 'unit-isolated',
          include: isolatedUnitFiles,
          environment: 'node',
          pool: 'threads',
          testTimeout: UNIT_TIMEOUT_MS,
        },
      },
      {
        extends: true,
        test: {
          // The tests each integration folder holds beside its code (integrations/<id>/*.test.ts).
          // Not "integrations": too close to the emulator suite's name.
          name: 'integration-folders',
          include: ['integrations/**/*.test.ts'],
          environment: 'node',
          pool: 'threads',
          testTimeout: UNIT_TIMEOUT_MS,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 20_000,
          // Each file works on resources of its own on the shared emulators, and none mocks,
          // stubs or sets anything process-wide: they can share their worker's modules.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // The console in a real headless Chromium (playwright-core; test/helpers/browser.ts).
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

// `npm run generate`: every generated file — the integration registry, the enricher module
// (cli/integrations/registry-file.ts) and the console's assets (cli/console/build.ts).
import { writeConsoleAssets } from './console/build.ts';
import { writeIntegrationRegistry } from './integrations/registry-file.ts';

try {
  const { path, changed, folders, enrichers } = writeIntegrationRegistry();
  console.log(`${changed ? 'wrote' : 'unchanged'} ${path} (${folders.length} integrations)`);
  if (enrichers) {
    console.log(
      `${enrichers.changed ? 'wrote' : 'unchanged'} ${enrichers.path} (${enrichers.files.length} enrichers)`,
    );
  }
  const console_ = writeConsoleAssets();
  console.log(
    `${console_.changed ? 'wrote' : 'unchanged'} ${console_.path} ` +
      `(console: ${console_.build.bytes.raw} bytes, ${console_.build.bytes.gzip} gzip)`,
  );
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}

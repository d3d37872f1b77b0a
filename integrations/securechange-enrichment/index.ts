// The built-in securechange-enrichment integration over the enrichers of enrichers/ (one file
// each, listed in enrichers.generated.ts by `npm run generate`; see enrichment.ts).
import { enrichersOfFiles } from '../../shared/sdk/index.ts';
import { enricherFiles } from './enrichers.generated.ts';
import { createEnrichmentIntegration } from './enrichment.ts';

export default createEnrichmentIntegration(
  enrichersOfFiles(enricherFiles, 'integrations/securechange-enrichment/enrichers'),
);

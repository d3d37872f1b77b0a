import { describeEffectLedgerContract } from '../contract/effect-ledger.contract.ts';
import { MemoryEffectLedger } from '../helpers/memory-effect-store.ts';

// The DynamoDB adapter runs the same suite in test/integration/effect-ledger-dynamo.test.ts.
describeEffectLedgerContract('MemoryEffectLedger', () => Promise.resolve(new MemoryEffectLedger()));

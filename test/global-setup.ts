import type { TestProject } from 'vitest/node';
import { startEmulators } from '../cli/local/emulators.ts';

/**
 * Integration suite: one dynalite and one fauxqs for the whole run, in memory
 * on random loopback ports. Each test file provisions its own uniquely named
 * resources (`freshResources` in test/helpers/aws.ts).
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulators = await startEmulators();
  project.provide('dynamodbEndpoint', emulators.dynamodbEndpoint);
  project.provide('sqsEndpoint', emulators.sqsEndpoint);
  project.provide('s3Endpoint', emulators.s3Endpoint);
  return () => emulators.stop();
}

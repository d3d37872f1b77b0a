import { describe, expect, it } from 'vitest';
import { createDeps } from '../../functions/create-deps.ts';
import logEvent from '../../integrations/log-event/index.ts';
import { loadConfig } from '../../shared/config.ts';
import { ConflictError } from '../../shared/errors.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';

const config = loadConfig({
  TRIGGERHUB_TABLE: 't',
  TRIGGERHUB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/q',
  TRIGGERHUB_PAYLOAD_BUCKET: 'b',
  AWS_REGION: 'us-east-1',
});

// A Lambda's registry validates on first use (module evaluation does no zod work);
// the all-in-one process (`npm start`) must still refuse a bad integration at startup.
describe('createDeps checks the integrations at startup', () => {
  it('throws on a duplicate integration id before serving anything', () => {
    // Act
    const start = () => createDeps(config, { integrations: [logEvent] });

    // Assess
    expect(start).toThrow(ConflictError);
    expect(start).toThrow('integration id "log-event" is registered twice');
  });

  it('throws on an integration whose manifest is invalid', () => {
    // Prepare
    const bad = defineIntegration({
      id: 'bad-choice',
      name: 'Bad',
      version: '1.0.0',
      description: '',
      parameters: { project: { type: 'choice', choices: ['A', 'B'], default: 'C' } },
      run: () => ({}),
    });

    // Act
    const start = () => createDeps(config, { integrations: [bad] });

    // Assess
    expect(start).toThrow('integration "bad-choice": invalid manifest: parameters.project.default');
  });

  it('starts with valid ones', () => {
    expect(createDeps(config).registry.get('log-event')).toBe(logEvent);
  });
});

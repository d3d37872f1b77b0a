// Review of issue 10: the marker is how a crashed create is found again (findTask: a Jira label,
// a ServiceNow correlation id, searched across the whole target). Two jobs sharing a target must
// never make the same marker, or one job's reconcile adopts the other's task and its own alert
// never gets one.
import { describe, expect, it } from 'vitest';
import { taskMarker } from '../../shared/tickets/marker.ts';

describe('taskMarker: one marker per job and alert', () => {
  it('keeps a job whose id continues another’s apart (the dash is in both ids)', () => {
    expect(taskMarker('alerts', 'dlp-1')).not.toBe(taskMarker('alerts-dlp', '1'));
    expect(taskMarker('alerts', 'to-jira-a1')).not.toBe(taskMarker('alerts-to-jira', 'a1'));
  });

  it('keeps two jobs whose ids share their first 32 characters apart for a hashed alert id', () => {
    const prefix = 'netskope-alerts-to-jira-producti';
    const alert = 'alert id with spaces'; // not label-safe: the hashed form
    expect(taskMarker(`${prefix}on-eu`, alert)).not.toBe(taskMarker(`${prefix}on-us`, alert));
  });

  it('stays label-safe, at most 100 characters, and stable', () => {
    for (const [job, alert] of [
      ['alerts', 'dlp-1'],
      ['j'.repeat(64), 'a'.repeat(80)],
      ['alerts-to-jira', '6a1e6f3c-2b4d-4c1e-9f0a-1b2c3d4e5f60'],
    ] as const) {
      const marker = taskMarker(job, alert);
      expect(marker).toMatch(/^[A-Za-z0-9_.-]{1,100}$/);
      expect(taskMarker(job, alert)).toBe(marker);
    }
    expect(taskMarker('alerts-to-jira', 'a1')).toBe('triggerhub-alerts-to-jira.a1');
    // A dashed alert id (a Netskope id, a UUID) stays readable: the `.` ends the job id.
    expect(taskMarker('alerts-to-jira', 'NS-48213')).toBe('triggerhub-alerts-to-jira.NS-48213');
  });

  it('never makes a plain marker equal to a hashed one (only the plain form holds a dot)', () => {
    const hashed = taskMarker('alerts', 'x y');
    expect(hashed).not.toContain('.');
    expect(taskMarker('alerts', 'x.y')).toContain('.');
  });
});

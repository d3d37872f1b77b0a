import { describe, expect, it } from 'vitest';
import { JSON_TEXT_SLOTS, measuredJson, rememberJson, takeJsonText } from '../../shared/runtime/json-text.ts';
import { isoTime, timeOf } from '../../shared/store/keys.ts';

/**
 * The hot path's small memories: instants formatted once and read back by the
 * stores (isoTime/timeOf), and JSON texts measured once and written by the
 * next writer (json-text). Each must answer exactly what the plain call would.
 */

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0, 123);

describe('isoTime and timeOf', () => {
  it('isoTime is toISOString, repeated or not, for many instants in turn', () => {
    for (let i = 0; i < 20; i++) {
      const ms = T0 + (i % 7) * 1000 + i;
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('isoTime of an invalid time throws the RangeError toISOString throws', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });

  it('timeOf is Date.parse, for the instants just formatted and for others', () => {
    const iso = isoTime(T0);
    expect(timeOf(iso)).toBe(T0);
    expect(timeOf('2026-01-02T03:04:05.006Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(timeOf('not a time')).toBeNaN();
  });

  it('another spelling of an instant never stands in for its one format', () => {
    const ms = Date.UTC(2026, 10, 29, 11, 0, 0, 0);
    // Parsed, then formatted: the format is toISOString's (with ms and Z), not the spelling read.
    expect(timeOf('2026-11-29T11:00:00Z')).toBe(ms);
    expect(timeOf('2026-11-29T12:00:00+01:00')).toBe(ms);
    expect(isoTime(ms)).toBe('2026-11-29T11:00:00.000Z');
  });
});

describe('isoTime with a fractional millisecond', () => {
  it('formats as toISOString and reads back as Date.parse', () => {
    const iso = isoTime(1_800_000_000_123.75);
    expect(iso).toBe(new Date(1_800_000_000_123.75).toISOString());
    expect(timeOf(iso)).toBe(Date.parse(iso));
  });
});

describe('json-text', () => {
  it('hands a measured text out once, to the same object only', () => {
    const value = { a: 1 };
    expect(measuredJson(value)).toBe('{"a":1}');
    expect(takeJsonText({ a: 1 })).toBeUndefined();
    expect(takeJsonText(value)).toBe('{"a":1}');
    expect(takeJsonText(value)).toBeUndefined();
  });

  it('remembers the latest text of a value measured twice', () => {
    const value = { a: 1 };
    rememberJson(value, '{"a":1}');
    rememberJson(value, '{"a":2}');
    expect(takeJsonText(value)).toBe('{"a":2}');
    expect(takeJsonText(value)).toBeUndefined();
  });

  it('keeps only the latest few values: an old one not taken is serialized again by its writer', () => {
    const first = { n: -1 };
    measuredJson(first);
    const later = Array.from({ length: JSON_TEXT_SLOTS }, (_, n) => ({ n }));
    for (const v of later) measuredJson(v);
    expect(takeJsonText(first)).toBeUndefined();
    for (const v of later) expect(takeJsonText(v)).toBe(JSON.stringify(v));
  });

  it('remembers nothing for primitives', () => {
    expect(measuredJson('text')).toBe('"text"');
    expect(takeJsonText('text')).toBeUndefined();
    expect(measuredJson(undefined)).toBeUndefined();
  });
});

import type { ScriptLogLine } from '../../ports.ts';

// The runner's bounds are generous on purpose: they only keep a script from
// filling memory, the IPC channel or the Lambda answer. The worker's RunLogger
// redacts each line, THEN cuts it to its 8 KiB (and the log to its 192 KiB):
// a cut here at 8 KiB could split a secret and leave its first half, which
// the redactor no longer recognizes, in the stored line.

/** At most this many lines are kept of one run's script log… */
export const MAX_SCRIPT_LOG_LINES = 2000;
/** …and this many bytes (UTF-8, messages only)… */
export const MAX_SCRIPT_LOG_BYTES = 1024 * 1024;
/** …a longer line (or the run's message) is cut to this many bytes. */
export const MAX_SCRIPT_LINE_BYTES = 64 * 1024;

/** `text` cut to at most `max` UTF-8 bytes (on a character boundary), `…` marking the cut. */
export const cutUtf8 = (text: string, max: number): string => {
  if (Buffer.byteLength(text) <= max) return text;
  const bytes = Buffer.from(text).subarray(0, Math.max(0, max - 3));
  // A partial character at the end decodes as U+FFFD: drop it.
  return bytes.toString('utf8').replace(/\uFFFD$/, '') + '…';
};

/**
 * One run's script log, capped: a script that logs in a loop must not fill
 * the host's memory, the IPC channel or the run record. The first lines are
 * kept (they say what the script set out to do); later ones are counted as
 * dropped. Used on both sides of every boundary (thread, child process,
 * adapter), so that none of them trusts the other to have capped.
 */
export class ScriptLog {
  readonly lines: ScriptLogLine[] = [];
  #bytes = 0;
  #truncated = false;

  get truncated(): boolean {
    return this.#truncated;
  }

  /** Keeps the line when it fits (cut to the line limit): the line as kept, or undefined when dropped. */
  add(line: ScriptLogLine): ScriptLogLine | undefined {
    const message = cutUtf8(line.message, MAX_SCRIPT_LINE_BYTES);
    const size = Buffer.byteLength(message);
    if (this.lines.length >= MAX_SCRIPT_LOG_LINES || this.#bytes + size > MAX_SCRIPT_LOG_BYTES) {
      this.#truncated = true;
      return undefined;
    }
    this.#bytes += size;
    const kept = message === line.message ? line : { ...line, message };
    this.lines.push(kept);
    return kept;
  }

  /** Marks the log truncated (a side before this one dropped lines). */
  markTruncated(): void {
    this.#truncated = true;
  }
}

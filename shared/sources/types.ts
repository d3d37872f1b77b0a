import type { Job, Source, TriggerEvent, Verdict } from '../model/index.ts';

/** The request as a source adapter sees it; header names are lower-case. */
export interface SourceRequest {
  /** Raw body as received (UTF-8). */
  body: string;
  contentType?: string;
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  deliveryId: string;
  receivedAt: string;
}

/** An HTTP answer rendered in the source's own format. */
export interface SourceResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Turns one source's requests into the normalized TriggerEvent and renders
 * decision verdicts the way that source expects them. Parsing throws only
 * ValidationError (400) or UnsupportedMediaTypeError (415).
 */
export interface SourceAdapter {
  readonly id: Source;
  /** Content types this source accepts, for the 415 message. */
  readonly contentTypes: readonly string[];
  parse(req: SourceRequest, job: Job): TriggerEvent;
  renderVerdict(verdict: Verdict, ctx: { job: Job; event: TriggerEvent; runId: string }): SourceResponse;
}

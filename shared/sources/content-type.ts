import { UnsupportedMediaTypeError } from '../errors.ts';
import type { SourceRequest } from './types.ts';

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,128}$/;

/**
 * The media type of a `Content-Type` value: lower-case, parameters (`charset`…)
 * dropped. Undefined when absent, blank or not a `type/subtype` token pair.
 */
export const mediaTypeOf = (contentType: string | undefined): string | undefined => {
  if (contentType === undefined) return undefined;
  const [essence = ''] = contentType.split(';', 1);
  const type = essence.trim().toLowerCase();
  return MEDIA_TYPE.test(type) ? type : undefined;
};

/** The request's media type, from `contentType` or else the `content-type` header. */
export const requestMediaType = (req: SourceRequest): string | undefined =>
  mediaTypeOf(req.contentType ?? req.headers['content-type']);

/**
 * Returns the request's media type when `accepts` says yes, else throws a 415
 * naming what the source takes. The received value is echoed only once
 * reduced to a media type, so that no arbitrary header text reaches a message.
 */
export const requireMediaType = (
  req: SourceRequest,
  source: string,
  expected: readonly string[],
  accepts: (mediaType: string) => boolean = (t) => expected.includes(t),
): string => {
  const type = requestMediaType(req);
  if (type !== undefined && accepts(type)) return type;
  const got = type === undefined ? 'no or an unreadable content type' : type;
  throw new UnsupportedMediaTypeError(`${source} jobs accept ${expected.join(' or ')}, not ${got}`);
};

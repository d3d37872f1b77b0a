import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../errors.ts';
import { isRecord, type PlainRecord } from './parsed-value.ts';

/** Deepest element nesting accepted; real ticket XML stays under 15. */
export const MAX_XML_DEPTH = 64;
/** Most elements accepted in one document; a large full ticket has about a thousand. */
export const MAX_XML_ELEMENTS = 50_000;

/** A parsed XML document: its root element's name and the whole document as an object. */
export interface XmlDocument {
  root: string;
  /** The root element's content (`""` for an empty element). */
  value: unknown;
  /** `{ [root]: value }` as fast-xml-parser builds it: attributes as `@_name`, text as `#text`. */
  document: PlainRecord;
}

const DECLARATIONS = /<!\s*(?:doctype|entity)/i;
const START_TAG = /<[A-Za-z_:]/g;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));/g;

/** A code point XML 1.0 allows in a document (`Char`), so a reference never yields a lone surrogate. */
export const isXmlChar = (cp: number): boolean =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);

/**
 * Resolves the five predefined entities and character references, and nothing
 * else: with DOCTYPE refused there is no other entity to expand, and an
 * invalid reference is left as written rather than failing the delivery.
 */
export const decodeXmlText = (text: string): string =>
  text.includes('&')
    ? text.replace(REFERENCE, (whole, name?: string, dec?: string, hex?: string) => {
        if (name !== undefined) return PREDEFINED[name] ?? whole;
        const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
        return isXmlChar(cp) ? String.fromCodePoint(cp) : whole;
      })
    : text;

/**
 * Escapes text for an XML element or attribute; characters XML 1.0 cannot
 * carry at all (most C0 controls, lone surrogates) are dropped so that the
 * output is always well-formed.
 */
export const escapeXmlText = (text: string): string =>
  Array.from(text)
    .filter((c) => isXmlChar(c.codePointAt(0) ?? 0))
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Entities are never expanded by the parser: a DOCTYPE is refused before parsing, and the
  // predefined ones are decoded by `decodeXmlText`, which cannot grow the text.
  processEntities: false,
  htmlEntities: false,
  // Ids stay strings: `0012` or a 20-digit id must not turn into a rounded number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // fast-xml-parser does not count the root element.
  maxNestedTags: MAX_XML_DEPTH - 1,
  tagValueProcessor: (_name: string, value: string) => decodeXmlText(value),
  attributeValueProcessor: (_name: string, value: string) => decodeXmlText(value),
});

/**
 * Parses one untrusted XML document. Refused with a ValidationError (400),
 * before any parsing: an empty body, any `<!DOCTYPE` or `<!ENTITY` (which
 * rules out entity expansion — billion laughs — and external entities), more
 * than {@link MAX_XML_ELEMENTS} elements. Then: malformed XML (the validator's
 * reason with line and column) and nesting deeper than {@link MAX_XML_DEPTH}.
 */
export const parseXml = (body: string): XmlDocument => {
  const xml = body.replace(/^\uFEFF/, '').trim();
  if (xml === '') throw new ValidationError('empty body: expected an XML document');
  if (DECLARATIONS.test(xml)) {
    throw new ValidationError('XML with a DOCTYPE or ENTITY declaration is refused');
  }
  let elements = 0;
  START_TAG.lastIndex = 0;
  while (START_TAG.exec(xml) !== null) {
    if (++elements > MAX_XML_ELEMENTS) {
      throw new ValidationError(`XML has more than ${MAX_XML_ELEMENTS} elements`);
    }
  }

  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new ValidationError(`malformed XML: ${msg} (line ${line}, column ${col})`);
  }

  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'unreadable document';
    throw new ValidationError(
      /nested/i.test(reason)
        ? `XML is nested deeper than ${MAX_XML_DEPTH} elements`
        : `malformed XML: ${reason.replace(/^\[SECURITY\]\s*/, '')}`,
    );
  }
  const roots = isRecord(parsed) ? Object.keys(parsed) : [];
  const [root] = roots;
  if (!isRecord(parsed) || root === undefined || roots.length !== 1) {
    throw new ValidationError('malformed XML: expected exactly one root element');
  }
  return { root, value: parsed[root], document: parsed };
};

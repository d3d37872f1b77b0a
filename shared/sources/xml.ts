import type * as FastXmlParser from 'fast-xml-parser';
import { ValidationError } from '../errors.ts';
import { lazyModule } from '../lazy-require.ts';
import { clip } from '../sdk/text.ts';
import { isRecord, type PlainRecord } from './parsed-value.ts';

/** Deepest element nesting accepted; real ticket XML stays under 15. */
export const MAX_XML_DEPTH = 64;
/** Most elements accepted in one document; a large full ticket has about a thousand. */
export const MAX_XML_ELEMENTS = 20_000;
/** Most attributes on one element; real elements carry a handful. */
export const MAX_XML_ATTRIBUTES_PER_ELEMENT = 256;
/** Most attributes in one document. */
export const MAX_XML_ATTRIBUTES = 20_000;
/** Most comments, CDATA sections and processing instructions in one document. */
export const MAX_XML_OTHER_NODES = 10_000;
/** Longest element or attribute name. */
export const MAX_XML_NAME_CHARS = 256;
/** Longest single CDATA section, attribute value or short text node, in characters (long text is set aside, see SET_ASIDE_MIN_CHARS). */
export const MAX_XML_TEXT_CHARS = 1_000_000;
/** Most text the parser reads in one document (CDATA sections, attribute values and text not set aside), in characters. */
export const MAX_XML_TOTAL_TEXT_CHARS = 2_000_000;

/** A parsed XML document: its root element's name and the whole document as an object. */
export interface XmlDocument {
  root: string;
  /** The root element's content (`""` for an empty element). */
  value: unknown;
  /** `{ [root]: value }` as fast-xml-parser builds it: attributes as `@_name`, text as `#text`. */
  document: PlainRecord;
}

const DECLARATIONS = /<!\s*(?:doctype|entity)/i;
/** Characters XML 1.0 forbids: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates (`\p{Cs}` with `u`). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;
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

const tooMuch = (what: string, limit: number): ValidationError =>
  new ValidationError(`XML has ${what} (the limit is ${limit})`);

/**
 * A cheap linear pass over the whole document before any parser sees it,
 * so that no request costs more than a bounded parse: refuses characters XML
 * 1.0 forbids (a reference to one is left as written, see
 * {@link decodeXmlText}), `<` inside an attribute value,
 * and more than the MAX_XML_* limits of elements, depth, attributes, names
 * and text. Well-formedness is left to the validator that runs next.
 */
/**
 * Long text is set aside before parsing: fast-xml-parser builds text one
 * character at a time (about 0.1 µs each), so a 4 MB text node would cost
 * ~0.5 s. The scan replaces the core of each long text run (between its
 * leading and trailing whitespace, so that trimming is unchanged) by a short
 * placeholder — a private-use character the document does not contain,
 * around the run's index — and the value processor puts it back.
 */
const SET_ASIDE_MIN_CHARS = 256;
const MARK = '\uE000';
const PLACEHOLDER = /\uE000(\d+)\uE000/g;
/**
 * An `&` the validator would refuse (it accepts `&#digits;`, `&#xhex;` and
 * `&` + 1 to 20 word characters + `;`): text holding one is never set aside,
 * so that the validator still sees it.
 */
const BARE_AMPERSAND = /&(?!#\d*;|#x[\dA-Fa-f]*;|\w{1,20};)/;

interface TextRun {
  start: number;
  end: number;
}

const isSpaceCode = (c: number): boolean => c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;

/** The core of a text run worth setting aside, or undefined. */
const setAsideCore = (xml: string, from: number, to: number): TextRun | undefined => {
  if (to - from < SET_ASIDE_MIN_CHARS) return undefined;
  let start = from;
  let end = to;
  while (start < end && isSpaceCode(xml.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(xml.charCodeAt(end - 1))) end--;
  if (end - start < SET_ASIDE_MIN_CHARS || BARE_AMPERSAND.test(xml.slice(start, end))) return undefined;
  return { start, end };
};

/** Returns the text runs set aside (see {@link SET_ASIDE_MIN_CHARS}); they do not count against the text limits. */
const preScan = (xml: string): TextRun[] => {
  const bad = FORBIDDEN_CHAR.exec(xml);
  if (bad !== null) {
    const cp = bad[0].codePointAt(0) ?? 0;
    throw new ValidationError(
      `XML holds a character XML 1.0 forbids (U+${cp.toString(16).toUpperCase().padStart(4, '0')} at offset ${bad.index})`,
    );
  }

  let elements = 0;
  let others = 0;
  let attributes = 0;
  let text = 0;
  let depth = 0;
  const addText = (chars: number): void => {
    if (chars > MAX_XML_TEXT_CHARS) {
      throw tooMuch(
        `a text node or attribute value longer than ${MAX_XML_TEXT_CHARS} characters`,
        MAX_XML_TEXT_CHARS,
      );
    }
    text += chars;
    if (text > MAX_XML_TOTAL_TEXT_CHARS) {
      throw tooMuch(`more than ${MAX_XML_TOTAL_TEXT_CHARS} characters of text`, MAX_XML_TOTAL_TEXT_CHARS);
    }
  };
  const skipTo = (from: number, end: string): number => {
    const at = xml.indexOf(end, from);
    if (at === -1) throw new ValidationError(`malformed XML: unclosed markup (no ${end})`);
    return at;
  };
  const isSpace = (c: number): boolean => c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
  const n = xml.length;
  const setAside: TextRun[] = [];
  const canSetAside = !xml.includes(MARK);
  let i = 0;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const core = canSetAside && depth > 0 ? setAsideCore(xml, i, lt === -1 ? n : lt) : undefined;
    if (core === undefined) addText((lt === -1 ? n : lt) - i);
    else setAside.push(core);
    if (lt === -1) break;
    if (xml.startsWith('<!--', lt) || xml.startsWith('<![CDATA[', lt) || xml.startsWith('<?', lt)) {
      if (++others > MAX_XML_OTHER_NODES) {
        throw tooMuch(
          `more than ${MAX_XML_OTHER_NODES} comments, CDATA sections and processing instructions`,
          MAX_XML_OTHER_NODES,
        );
      }
      const [open, close] = xml.startsWith('<!--', lt)
        ? ['<!--', '-->']
        : xml.startsWith('<?', lt)
          ? ['<?', '?>']
          : ['<![CDATA[', ']]>'];
      const end = skipTo(lt + open.length, close);
      if (open === '<![CDATA[') addText(end - lt - open.length);
      i = end + close.length;
      continue;
    }
    const closing = xml.charCodeAt(lt + 1) === 0x2f; // '/'
    let j = lt + (closing ? 2 : 1);
    const nameStart = j;
    while (j < n && !isSpace(xml.charCodeAt(j)) && xml[j] !== '>' && xml[j] !== '/') j++;
    if (j - nameStart > MAX_XML_NAME_CHARS) {
      throw tooMuch(`an element name longer than ${MAX_XML_NAME_CHARS} characters`, MAX_XML_NAME_CHARS);
    }
    if (closing) {
      depth--;
      i = skipTo(j, '>') + 1;
      continue;
    }
    if (++elements > MAX_XML_ELEMENTS)
      throw new ValidationError(`XML has more than ${MAX_XML_ELEMENTS} elements`);
    let own = 0;
    // Attributes: name = "value" pairs up to `>` or `/>`; only quoted values contain `>` or `/`.
    for (;;) {
      while (j < n && isSpace(xml.charCodeAt(j))) j++;
      if (j >= n) throw new ValidationError('malformed XML: unclosed start tag');
      const c = xml[j];
      if (c === '>' || (c === '/' && xml[j + 1] === '>')) {
        const selfClosing = c === '/';
        if (depth + 1 > MAX_XML_DEPTH) {
          throw new ValidationError(`XML is nested deeper than ${MAX_XML_DEPTH} elements`);
        }
        if (!selfClosing) depth++;
        i = j + (selfClosing ? 2 : 1);
        break;
      }
      const eq = xml.indexOf('=', j);
      const quoteAt = eq === -1 ? -1 : eq + 1 + (xml.slice(eq + 1, eq + 1024).search(/\S/) >>> 0);
      const q = quoteAt === -1 ? '' : xml[quoteAt];
      if (eq === -1 || (q !== '"' && q !== "'") || /[<>]/.test(xml.slice(j, eq))) {
        throw new ValidationError(
          'malformed XML: a start tag holds something other than name="value" attributes',
        );
      }
      if (eq - j > MAX_XML_NAME_CHARS) {
        throw tooMuch(`an attribute name longer than ${MAX_XML_NAME_CHARS} characters`, MAX_XML_NAME_CHARS);
      }
      const valueEnd = skipTo(quoteAt + 1, q);
      const value = xml.slice(quoteAt + 1, valueEnd);
      if (value.includes('<')) {
        throw new ValidationError(`malformed XML: "<" inside an attribute value (offset ${quoteAt + 1})`);
      }
      addText(value.length);
      if (++own > MAX_XML_ATTRIBUTES_PER_ELEMENT) {
        throw tooMuch(
          `an element with more than ${MAX_XML_ATTRIBUTES_PER_ELEMENT} attributes`,
          MAX_XML_ATTRIBUTES_PER_ELEMENT,
        );
      }
      if (++attributes > MAX_XML_ATTRIBUTES) {
        throw tooMuch(`more than ${MAX_XML_ATTRIBUTES} attributes`, MAX_XML_ATTRIBUTES);
      }
      j = valueEnd + 1;
    }
  }
  return setAside;
};

/** The text set aside for the document being parsed (parsing is synchronous). */
let asideText: readonly string[] = [];
const restoreText = (value: string): string =>
  value.includes(MARK)
    ? value.replace(PLACEHOLDER, (whole, i: string) => asideText[Number(i)] ?? whole)
    : value;

/** The document with each run's core replaced by its placeholder. */
const withPlaceholders = (xml: string, runs: readonly TextRun[]): string => {
  const parts: string[] = [];
  let at = 0;
  runs.forEach((run, i) => {
    parts.push(xml.slice(at, run.start), `${MARK}${i}${MARK}`);
    at = run.end;
  });
  parts.push(xml.slice(at));
  return parts.join('');
};

/** fast-xml-parser loads with the first XML body: only SecureChange jobs send one (see LAZY_PACKAGES). */
const fastXmlParser = lazyModule<typeof FastXmlParser>('fast-xml-parser');

const newParser = (): FastXmlParser.XMLParser =>
  new (fastXmlParser().XMLParser)({
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
    tagValueProcessor: (_name: string, value: string) => decodeXmlText(restoreText(value)),
    attributeValueProcessor: (_name: string, value: string) => decodeXmlText(value),
  });
let parser: FastXmlParser.XMLParser | undefined;

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
  const runs = preScan(xml);
  const shortened = runs.length === 0 ? xml : withPlaceholders(xml, runs);

  const valid = fastXmlParser().XMLValidator.validate(shortened);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    // The validator's messages quote names: a 3 MB tag must not come back whole.
    throw new ValidationError(`malformed XML: ${clip(msg)} (line ${line}, column ${col})`);
  }

  let parsed: unknown;
  try {
    asideText = runs.map((r) => xml.slice(r.start, r.end));
    parsed = (parser ??= newParser()).parse(shortened);
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'unreadable document';
    throw new ValidationError(
      /nested/i.test(reason)
        ? `XML is nested deeper than ${MAX_XML_DEPTH} elements`
        : `malformed XML: ${clip(reason.replace(/^\[SECURITY\]\s*/, ''))}`,
    );
  } finally {
    asideText = [];
  }
  const roots = isRecord(parsed) ? Object.keys(parsed) : [];
  const [root] = roots;
  if (!isRecord(parsed) || root === undefined || roots.length !== 1) {
    throw new ValidationError('malformed XML: expected exactly one root element');
  }
  return { root, value: parsed[root], document: parsed };
};

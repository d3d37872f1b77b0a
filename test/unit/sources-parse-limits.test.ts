import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES, parseJson } from '../../shared/sources/json.ts';
import {
  MAX_XML_ATTRIBUTES,
  MAX_XML_ATTRIBUTES_PER_ELEMENT,
  MAX_XML_ELEMENTS,
  MAX_XML_NAME_CHARS,
  MAX_XML_OTHER_NODES,
  MAX_XML_TEXT_CHARS,
  MAX_XML_TOTAL_TEXT_CHARS,
  parseXml,
} from '../../shared/sources/xml.ts';
import { clip, quote } from '../../shared/sdk/text.ts';

const refusal = (f: () => unknown): ValidationError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
};

const ticket = (inner: string, attrs = '') => `<ticket_info${attrs}><id>1</id>${inner}</ticket_info>`;
const attributes = (n: number, prefix = 'a') =>
  Array.from({ length: n }, (_, i) => ` ${prefix}${i}="${i}"`).join('');

describe('XML: characters XML 1.0 forbids are refused', () => {
  it.each([
    ['NUL', '\u0000'],
    ['a C0 control', '\u0001'],
    ['ESC', '\u001b'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
    ['a lone high surrogate', '\uD800x'],
    ['a lone low surrogate', 'x\uDC00'],
  ])('refuses %s in text', (_n, c) => {
    expect(refusal(() => parseXml(ticket(`<subject>a${c}b</subject>`))).message).toMatch(
      /^XML holds a character XML 1.0 forbids \(U\+[0-9A-F]{4} at offset \d+\)$/,
    );
  });

  it('refuses a forbidden character in an attribute or a name too', () => {
    expect(() => parseXml(ticket('', ' a="\u0002"'))).toThrow(ValidationError);
    expect(() => parseXml('<tick\u0000et_info><id>1</id></tick\u0000et_info>')).toThrow(ValidationError);
  });

  it('accepts tab, LF, CR, a surrogate pair and the top of the BMP', () => {
    const doc = parseXml(ticket('<subject>a\tb\nc\rd 😀 \uFFFD</subject>'));
    expect(JSON.stringify(doc.value)).toContain('😀');
  });

  it.each(['<ticket_info a="x<y"><id>1</id></ticket_info>', "<ticket_info><id a='<'>1</id></ticket_info>"])(
    'refuses "<" inside an attribute value: %s',
    (xml) => {
      expect(refusal(() => parseXml(xml)).message).toContain('"<" inside an attribute value');
    },
  );

  it('accepts ">" and entities inside an attribute value', () => {
    const doc = parseXml('<ticket_info a="x &lt; y > z"><id>1</id></ticket_info>');
    expect(doc.value).toMatchObject({ '@_a': 'x < y > z' });
  });
});

describe('XML: parse cost is bounded before the parser runs', () => {
  it(`accepts ${MAX_XML_ATTRIBUTES_PER_ELEMENT} attributes on one element and refuses one more`, () => {
    expect(() => parseXml(ticket('', attributes(MAX_XML_ATTRIBUTES_PER_ELEMENT)))).not.toThrow();
    expect(refusal(() => parseXml(ticket('', attributes(MAX_XML_ATTRIBUTES_PER_ELEMENT + 1)))).message).toBe(
      `XML has an element with more than ${MAX_XML_ATTRIBUTES_PER_ELEMENT} attributes (the limit is ${MAX_XML_ATTRIBUTES_PER_ELEMENT})`,
    );
  });

  it('refuses 350 000 attributes on one element at the per-element limit', () => {
    expect(refusal(() => parseXml(ticket('', attributes(350_000)))).message).toContain(
      `more than ${MAX_XML_ATTRIBUTES_PER_ELEMENT} attributes`,
    );
  });

  it(`refuses more than ${MAX_XML_ATTRIBUTES} attributes in a document`, () => {
    const perElement = 200;
    const elements = Math.ceil(MAX_XML_ATTRIBUTES / perElement) + 1;
    const xml = ticket(`<a${attributes(perElement)}/>`.repeat(elements));
    expect(refusal(() => parseXml(xml)).message).toContain(`more than ${MAX_XML_ATTRIBUTES} attributes`);
  });

  it(`refuses a CDATA section or attribute value longer than ${MAX_XML_TEXT_CHARS} characters`, () => {
    const long = 'x'.repeat(MAX_XML_TEXT_CHARS + 1);
    for (const xml of [ticket(`<subject><![CDATA[${long}]]></subject>`), ticket('', ` a="${long}"`)]) {
      expect(refusal(() => parseXml(xml)).message).toContain(`longer than ${MAX_XML_TEXT_CHARS} characters`);
    }
    expect(() => parseXml(ticket('', ` a="${'x'.repeat(MAX_XML_TEXT_CHARS)}"`))).not.toThrow();
  });

  it(`refuses more than ${MAX_XML_TOTAL_TEXT_CHARS} characters of parsed text in all`, () => {
    const node = `<s><![CDATA[${'x'.repeat(MAX_XML_TEXT_CHARS - 10)}]]></s>`;
    const count = Math.ceil(MAX_XML_TOTAL_TEXT_CHARS / (MAX_XML_TEXT_CHARS - 10)) + 1;
    expect(refusal(() => parseXml(ticket(node.repeat(count)))).message).toContain(
      `more than ${MAX_XML_TOTAL_TEXT_CHARS} characters of text`,
    );
  });

  it('sets long text aside from the parser and puts it back exactly: trimmed, then decoded', () => {
    const core = `A &amp; B &lt;c&gt; &#233; &nope; 😀 ${'x'.repeat(3 * 1024 * 1024)} end&#32;`;
    const doc = parseXml(ticket(`<subject>\n   ${core}   \n</subject>`));
    const subject = (doc.value as { subject: string }).subject;
    expect(subject).toBe(`A & B <c> é &nope; 😀 ${'x'.repeat(3 * 1024 * 1024)} end `);
  });

  it('parses a document the same whether long text is set aside or not', () => {
    // A document holding the placeholder mark is parsed without setting text aside.
    const fragment = fc.constantFrom(
      'a',
      ' ',
      '\n',
      '&amp;',
      '&lt;',
      '&#233;',
      'é',
      '😀',
      '&nope;',
      '\uE001',
      'ü',
    );
    const text = fc
      .array(fragment, { minLength: 1, maxLength: 40 })
      .map((parts) => parts.join('').repeat(30));
    fc.assert(
      fc.property(text, text, fc.constantFrom('<b/>', '<!--c-->', '<b x="1">y</b>', ''), (t1, t2, middle) => {
        const body = `<ticket_info><id>1</id><s>${t1}${middle}${t2}</s><s a="1">${t2}</s></ticket_info>`;
        const plain = parseXml(`<!--\uE000-->${body}`);
        expect(parseXml(body).document).toEqual(plain.document);
      }),
      { seed: 4242, numRuns: 60 },
    );
  });

  it(`refuses names longer than ${MAX_XML_NAME_CHARS} characters, and never echoes a 3 MB tag`, () => {
    const tag = 't'.repeat(3_000_000);
    const error = refusal(() => parseXml(`<${tag}><id>1</id></ticket_info>`));
    expect(error.message).toContain(`longer than ${MAX_XML_NAME_CHARS} characters`);
    expect(error.message.length).toBeLessThan(300);
    expect(
      refusal(() => parseXml(ticket('', ` ${'n'.repeat(MAX_XML_NAME_CHARS + 1)}="1"`))).message,
    ).toContain('attribute name longer');
  });

  it('quotes at most ~200 characters of what the validator names', () => {
    const tag = 'q'.repeat(MAX_XML_NAME_CHARS - 6);
    const error = refusal(() => parseXml(`<${tag}><id>1</id></${tag}x>`));
    expect(error.message).toMatch(/^malformed XML: /);
    expect(error.message.length).toBeLessThan(260);
  });

  it(`refuses more than ${MAX_XML_ELEMENTS} elements, and more than ${MAX_XML_OTHER_NODES} comments, CDATA sections and PIs`, () => {
    expect(refusal(() => parseXml(ticket('<a/>'.repeat(MAX_XML_ELEMENTS)))).message).toBe(
      `XML has more than ${MAX_XML_ELEMENTS} elements`,
    );
    for (const node of ['<!--c-->', '<?pi x?>', '<![CDATA[x]]>']) {
      expect(refusal(() => parseXml(ticket(node.repeat(MAX_XML_OTHER_NODES + 1)))).message).toContain(
        `more than ${MAX_XML_OTHER_NODES} comments`,
      );
    }
  });

  it('counts a self-closing element at the deepest level as one level deeper', () => {
    const nested = (levels: number, leaf: string) =>
      `<ticket_info><id>1</id>${'<a>'.repeat(levels - 2)}${leaf}${'</a>'.repeat(levels - 2)}</ticket_info>`;
    expect(() => parseXml(nested(64, '<b/>'))).not.toThrow();
    expect(refusal(() => parseXml(nested(65, '<b/>'))).message).toBe('XML is nested deeper than 64 elements');
  });

  it('refuses unclosed markup without scanning past the end', () => {
    for (const xml of [
      '<ticket_info><!-- never closed',
      '<ticket_info a="never closed',
      '<ticket_info><id>1</id',
    ]) {
      expect(() => parseXml(xml)).toThrow(ValidationError);
    }
  });
});

describe('JSON: parse cost is bounded before JSON.parse', () => {
  it(`refuses more than ${MAX_JSON_VALUES} values (a 10 MB array of small numbers)`, () => {
    const body = `[${Array.from({ length: 2_000_000 }, (_, i) => i % 10).join(',')}]`;
    expect(refusal(() => parseJson(body)).message).toBe(
      `body has more than ${MAX_JSON_VALUES} values and keys`,
    );
  });

  it('refuses an object with very many keys', () => {
    const body = `{${Array.from({ length: MAX_JSON_VALUES / 2 + 1 }, (_, i) => `"k${i}":1`).join(',')}}`;
    expect(refusal(() => parseJson(body)).message).toContain('values and keys');
  });

  it('accepts a document just under the limit and ignores brackets and commas inside strings', () => {
    const body = `[${Array.from({ length: MAX_JSON_VALUES - 2 }, () => 1).join(',')}, "[[[{{{,,,::: \\" ]"]`;
    expect(parseJson(body)).toHaveLength(MAX_JSON_VALUES - 1);
    const deepInString = JSON.stringify({ s: '['.repeat(1000) });
    expect(parseJson(deepInString)).toEqual({ s: '['.repeat(1000) });
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} before parsing, and quotes at most ~200 characters of the reason`, () => {
    expect(refusal(() => parseJson('{"a":'.repeat(MAX_JSON_DEPTH + 1))).message).toBe(
      `body is nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
    const error = refusal(() => parseJson(`{"${'k'.repeat(1_000_000)}" 1}`));
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('quoting input in messages', () => {
  it('clips to 200 characters with an ellipsis, never splitting a surrogate pair', () => {
    expect(clip('x'.repeat(1000))).toBe(`${'x'.repeat(200)}…`);
    expect(clip('short')).toBe('short');
    const emoji = `${'x'.repeat(199)}😀tail`;
    expect(clip(emoji)).toBe(`${'x'.repeat(199)}…`);
    expect(quote('a"b\u0000')).toBe('"a\\"b\\u0000"');
  });
});

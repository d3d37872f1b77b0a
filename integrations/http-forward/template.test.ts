import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { TemplateScope } from './template.ts';
import { lookup, renderHeaders, renderJson, renderText, renderUrl } from './template.ts';

const scope: TemplateScope = {
  source: 'securechange',
  trigger: 'ADVANCE',
  deliveryId: 'D-1',
  receivedAt: '2026-11-29T10:00:00.000Z',
  payload: { title: 'Open "443"', items: [{ id: 7 }, { id: 8 }], n: 3, ok: true, none: null },
  ticket: { id: 65, subject: 'fw change' },
  headers: { 'x-request-id': 'req-9' },
  query: {},
};

describe('renderText', () => {
  it('fills $path and ${path}, reads array items and keys with dashes, and writes $$ as $', () => {
    expect(
      renderText(
        't=$ticket.id s=${ticket.subject} i=$payload.items.1.id h=${headers.x-request-id} $$5.',
        scope,
      ),
    ).toBe('t=65 s=fw change i=8 h=req-9 $5.');
  });

  it('writes objects as JSON and a missing path as nothing; a full stop ends a path', () => {
    expect(renderText('[$payload.items.0] [$payload.nope.deeper] [$payload.none] end $trigger.', scope)).toBe(
      '[{"id":7}] [] [] end ADVANCE.',
    );
  });

  it('leaves a $ that starts no placeholder as it is', () => {
    expect(renderText('costs $5 or $ 6', scope)).toBe('costs $5 or $ 6');
  });

  it('refuses an unknown root, naming the ones there are', () => {
    expect(() => renderText('home is $HOME', scope)).toThrow(PermanentError);
    expect(() => renderText('home is $HOME', scope)).toThrow(
      /unknown placeholder \$HOME: use one of \$source/,
    );
    expect(() => renderText('${payload..x}', scope)).toThrow(PermanentError);
  });

  it('never reads through the prototype', () => {
    expect(lookup(scope, ['payload', '__proto__'])).toBeUndefined();
    expect(lookup(scope, ['payload', 'constructor'])).toBeUndefined();
    expect(renderText('$payload.title.length', scope)).toBe('');
  });
});

describe('renderJson', () => {
  it('puts the value itself for a string that is one placeholder, and writes others into strings', () => {
    // Act
    const body = renderJson(
      '{"title":"$payload.title","n":"$payload.n","ok":"${payload.ok}","items":"$payload.items","missing":"$payload.x","text":"#$ticket.id: $payload.items.0","$trigger":[1,"$deliveryId"]}',
      scope,
    );

    // Assess
    expect(JSON.parse(body)).toEqual({
      title: 'Open "443"',
      n: 3,
      ok: true,
      items: [{ id: 7 }, { id: 8 }],
      missing: null,
      text: '#65: {"id":7}',
      ADVANCE: [1, 'D-1'],
    });
  });

  it('refuses a template that is not JSON, saying how to write one', () => {
    expect(() => renderJson('{"id": $payload.id}', scope)).toThrow(/not JSON.*inside strings/);
  });

  it('keeps a key named __proto__ as data', () => {
    expect(JSON.parse(renderJson('{"__proto__":{"a":"$trigger"}}', scope))).toEqual(
      JSON.parse('{"__proto__":{"a":"ADVANCE"}}'),
    );
  });

  it('carries any string value exactly, in a placeholder alone or inside text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const withValue: TemplateScope = { payload: { s } };
        const out = JSON.parse(renderJson('{"alone":"$payload.s","inside":"<${payload.s}>"}', withValue)) as {
          alone: string;
          inside: string;
        };
        expect(out.alone).toBe(s);
        expect(out.inside).toBe(`<${s}>`);
      }),
      { numRuns: 200 },
    );
    // The characters that break hand-made JSON, named.
    const tricky = 'q"uote \\ back \u2028 line \n nl';
    expect(JSON.parse(renderJson('["$payload.s"]', { payload: { s: tricky } }))).toEqual([tricky]);
  });
});

describe('renderUrl', () => {
  it('fills placeholders after the origin, each value URL-encoded', () => {
    expect(renderUrl('https://api.example.com:8443/t/$ticket.subject?src=$source&x=$$', scope).href).toBe(
      'https://api.example.com:8443/t/fw%20change?src=securechange&x=$',
    );
  });

  it('cannot be steered to another host by a value', () => {
    const evil: TemplateScope = { payload: { p: '@evil.example/x', q: '//evil.example' } };
    const url = renderUrl('https://api.example.com/$payload.p$payload.q', evil);
    expect(url.host).toBe('api.example.com');
  });

  it.each([
    ['ftp://x.example/', /must start with http/],
    ['https://$payload.host/x', /after the host only/],
    ['https://api.${payload.d}.com/', /after the host only/],
    ['http://exa mple.com/', /not a valid URL/],
  ])('refuses %s', (template, why) => {
    expect(() => renderUrl(template, scope)).toThrow(why);
  });
});

describe('renderHeaders', () => {
  it('reads Name: value lines with placeholders, skipping blank and # lines', () => {
    expect(
      renderHeaders('X-Source: $source\n\n# a comment\r\nX-Ticket:${ticket.id}\nX-Empty:', scope),
    ).toEqual([
      ['X-Source', 'securechange'],
      ['X-Ticket', '65'],
      ['X-Empty', ''],
    ]);
  });

  it.each([
    ['no colon here', /line 1: write "Name: value"/],
    ['X-A: 1\nBad Name: 2', /line 2: write "Name: value"/],
    ['Host: evil.example', /Host is set by the HTTP client/],
    ['content-length: 1', /set by the HTTP client/],
    ['X-Title: $payload.t', /line break/],
  ])('refuses %j', (text, why) => {
    expect(() => renderHeaders(text, { payload: { t: 'a\r\nX-Injected: 1' } })).toThrow(why);
  });
});

import type { HttpClient } from './types.ts';

/**
 * A stand-in for the client `client()` builds, built on first real use:
 * holding, spreading or passing it (or `ctx`) builds nothing, and neither does
 * an `await` that looks for `then`. A run's `ctx.http` and a ticket call's are both this.
 */
export const lazyHttpClient = (client: () => HttpClient): HttpClient =>
  new Proxy(function http() {} as unknown as HttpClient, {
    get: (_target, property): unknown =>
      typeof property === 'symbol' || property === 'then' ? undefined : Reflect.get(client(), property),
    has: (_target, property) => Reflect.has(client(), property),
    apply: (_target, _this, args: Parameters<HttpClient>) => client()(...args),
  });

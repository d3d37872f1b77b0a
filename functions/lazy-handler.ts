/**
 * A Lambda handler whose code is loaded by its first invocation: the
 * function's entry (functions/<name>/index.ts) evaluates only its
 * configuration and SDK clients at cold start, and `load` — a dynamic
 * `import()` of the function's app, which the bundler splits into its own
 * chunk — runs once, when the first event arrives. Until then nothing of the
 * stores, schemas, router or integrations is evaluated; a request that
 * needs more (a decision job, a SecureChange ticket) loads it on its own
 * first use, deeper in the app.
 *
 * Concurrent first invocations share one load. A load that fails fails that
 * invocation, and the next one calls `load` again rather than failing every
 * later event with a stale error: an error from building the app (its
 * factory) is retried so. A chunk whose module evaluation throws stays
 * failed, as any ES module does (Node keeps the error), until the function
 * is deployed again — as a failed cold start would.
 */
export const lazyHandler = <A extends unknown[], R>(
  load: () => Promise<(...args: A) => Promise<R>>,
): ((...args: A) => Promise<R>) => {
  let loaded: ((...args: A) => Promise<R>) | undefined;
  let loading: Promise<(...args: A) => Promise<R>> | undefined;
  return async (...args: A): Promise<R> => {
    if (loaded === undefined) {
      loading ??= load().then(
        (handler) => (loaded = handler),
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      );
      return (await loading)(...args);
    }
    return loaded(...args);
  };
};

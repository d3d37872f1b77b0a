/**
 * SEAM PLACEHOLDER (issue 9, removed before the issue closes): a port whose
 * adapter a helper is building. Every call rejects, naming the port.
 */
export const notBuilt = <T extends object>(port: string): T =>
  new Proxy({} as T, {
    get: (_target, member) =>
      typeof member === 'symbol' || member === 'then'
        ? undefined
        : () => Promise.reject(new Error(`${port}.${member}: not built yet`)),
  });

/** A request header by name; the edge hands header names over in lower case. */
export const headerValue = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const key = name.toLowerCase();
  return Object.prototype.hasOwnProperty.call(headers, key) ? headers[key] : undefined;
};

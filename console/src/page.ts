/** What every page gets from the router: the route's params and the query. */
export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

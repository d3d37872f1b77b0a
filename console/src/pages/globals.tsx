// SEAM (issue 11): built by its own change.
import type { PageProps } from '../page.ts';

export const GlobalsPage = (_props: PageProps) => (
  <section>
    <h1>GlobalsPage</h1>
    <p>Not built yet.</p>
  </section>
);

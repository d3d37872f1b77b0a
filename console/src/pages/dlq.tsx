// SEAM (issue 11): built by its own change.
import type { PageProps } from '../page.ts';

export const DeadLettersPage = (_props: PageProps) => (
  <section>
    <h1>DeadLettersPage</h1>
    <p>Not built yet.</p>
  </section>
);

// SEAM (issue 11): built by its own change.
import type { PageProps } from '../page.ts';

export const TasksPage = (_props: PageProps) => (
  <section>
    <h1>TasksPage</h1>
    <p>Not built yet.</p>
  </section>
);

// The local stack behind `npm start`: written by the lead in the pipeline commit.
export interface LocalOptions {
  port: number;
  dataDir: string;
}
export const runLocal = (_opts: LocalOptions): Promise<void> => Promise.reject(new Error('not built yet'));

/**
 * Atlassian Document Format, the little of it we write and read. Jira Cloud
 * REST v3 refuses plain text for the description, any textarea field and a
 * comment body ("Operation value must be an Atlassian Document"): text is sent
 * as a document, one paragraph per block of lines (lines within a block kept
 * apart by hard breaks).
 */

export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
}

export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

const paragraphOf = (block: string): AdfNode => {
  const content: AdfNode[] = [];
  block.split('\n').forEach((line, i) => {
    if (i > 0) content.push({ type: 'hardBreak' });
    // ADF refuses an empty text node.
    if (line !== '') content.push({ type: 'text', text: line });
  });
  return { type: 'paragraph', content };
};

/**
 * Plain text as an ADF document: blank lines separate paragraphs, a single
 * line break becomes a hard break. Empty text is an empty document.
 */
export const adfOf = (text: string): AdfDocument => {
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((b) => b.replace(/^\n+|\n+$/g, ''))
    .filter((b) => b.trim() !== '');
  return { type: 'doc', version: 1, content: blocks.map(paragraphOf) };
};

/** Bounds the walk of a document from outside (a webhook body): deep or huge ones are read in part. */
const MAX_DEPTH = 32;
const MAX_NODES = 10_000;

/**
 * The text of an ADF document (or of a plain string, as webhooks in wiki
 * markup carry it): text nodes joined, blocks and hard breaks as new lines.
 */
export const textOfAdf = (body: unknown): string => {
  if (typeof body === 'string') return body;
  const parts: string[] = [];
  let seen = 0;
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || seen++ > MAX_NODES || typeof node !== 'object' || node === null) return;
    const n = node as { type?: unknown; text?: unknown; content?: unknown };
    if (n.type === 'text' && typeof n.text === 'string') parts.push(n.text);
    else if (n.type === 'hardBreak') parts.push('\n');
    if (Array.isArray(n.content)) for (const child of n.content) walk(child, depth + 1);
    if (n.type === 'paragraph' || n.type === 'heading') parts.push('\n');
  };
  walk(body, 0);
  return parts.join('').replace(/\n+$/, '');
};

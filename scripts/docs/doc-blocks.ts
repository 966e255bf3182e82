/**
 * The command blocks of an operator page that a test runs: a fenced code block right after an
 * HTML comment `<!-- docs-test: NAME -->` (invisible when the page is rendered). The names
 * are the page's contract with its test; a missing or doubled name is an error, so renaming a
 * block in the page cannot silently drop it from the test.
 */
const MARKED_BLOCK = /<!--\s*docs-test:\s*([\w-]+)\s*-->\s*\n```[\w-]*\n([\s\S]*?)\n```/g;

export function docBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of markdown.matchAll(MARKED_BLOCK)) {
    const name = match[1] ?? '';
    if (blocks.has(name)) throw new Error(`docs-test block "${name}" appears twice`);
    blocks.set(name, match[2] ?? '');
  }
  return blocks;
}

/** The named blocks, in the given order; throws naming every one the page lacks. */
export function pickBlocks(blocks: Map<string, string>, names: readonly string[]): string[] {
  const missing = names.filter((name) => !blocks.has(name));
  if (missing.length > 0) throw new Error(`the page has no docs-test block ${missing.join(', ')}`);
  return names.map((name) => blocks.get(name) ?? '');
}

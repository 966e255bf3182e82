/** scripts/docs/doc-blocks: the marked command blocks of an operator page. */
import { docBlocks, pickBlocks } from '../../scripts/docs/doc-blocks';

const page = [
  '# Page',
  '<!-- docs-test: one -->',
  '```bash',
  'echo one',
  'echo "two words"',
  '```',
  '',
  '```bash',
  'echo unmarked',
  '```',
  '<!-- docs-test: two -->',
  '```sh',
  'echo two',
  '```',
].join('\n');

test('only marked blocks are taken, by name, with their text as written', () => {
  const blocks = docBlocks(page);
  expect([...blocks.keys()]).toEqual(['one', 'two']);
  expect(blocks.get('one')).toBe('echo one\necho "two words"');
  expect(pickBlocks(blocks, ['two', 'one'])).toEqual(['echo two', 'echo one\necho "two words"']);
});

test('a block named twice is an error', () => {
  expect(() => docBlocks(`${page}\n<!-- docs-test: one -->\n\`\`\`bash\nx\n\`\`\``)).toThrow(/"one" appears twice/);
});

test('asking for a block the page lacks names it', () => {
  expect(() => pickBlocks(docBlocks(page), ['one', 'three', 'four'])).toThrow(/three, four/);
});

/**
 * Builds one self-contained executable per CLI into dist/: agents/<name>.ts → dist/<name>.
 * CommonJS output so the file runs wherever it is installed (no package.json beside it);
 * modules an entry loads with `await import()` stay lazily evaluated inside the bundle.
 */
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const entries = readdirSync(join(root, 'agents'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => join(root, 'agents', file));

mkdirSync(join(root, 'dist'), { recursive: true });
// The checkout's package.json says "type": "module"; the bundles are CommonJS and must run from dist/ too.
writeFileSync(join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
const sizes: Record<string, number> = {};
await Promise.all(
  entries.map(async (entry) => {
    const name = basename(entry, '.ts');
    const outfile = join(root, 'dist', name);
    await build({
      entryPoints: [entry],
      outfile,
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minifySyntax: true,
      legalComments: 'none',
      banner: { js: '#!/usr/bin/env node' },
      logLevel: 'warning',
    });
    chmodSync(outfile, 0o755);
    sizes[name] = statSync(outfile).size;
  }),
);
writeFileSync(join(root, 'dist', 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
for (const [name, bytes] of Object.entries(sizes).sort()) {
  console.log(`dist/${name}  ${(bytes / 1024).toFixed(0)} KiB`);
}

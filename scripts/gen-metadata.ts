/**
 * Writes the golden meta-data files from the built agents (run `npm run build` first):
 * metadata/<Agent>.xml from `dist/<Agent> meta-data` for each OCF agent, and
 * metadata/fence_compute.xml from `dist/fence_compute -o metadata` once that bundle exists.
 * The tests compare each agent's live output with these files.
 *
 * Each bundle runs from a copy in a temporary directory, as it would once installed: inside
 * the checkout, package.json's "type": "module" would make Node load the extensionless
 * CommonJS bundle as an ES module.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OCF_AGENTS = ['NovaEvacuate', 'NovaCompute', 'nova-compute-wait'] as const;

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const outDir = join(root, 'metadata');

function runBundle(work: string, name: string, args: string[]): string {
  const copy = join(work, name);
  copyFileSync(join(dist, name), copy);
  // A clean environment: meta-data must not depend on the caller's OCF_* or HA_* variables.
  return execFileSync(copy, args, {
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

const missing = OCF_AGENTS.filter((name) => !existsSync(join(dist, name)));
if (missing.length > 0) {
  console.error(`gen-metadata: dist/${missing.join(', dist/')} missing; run npm run build first`);
  process.exitCode = 1;
} else {
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'gen-metadata-'));
  try {
    for (const name of OCF_AGENTS) {
      writeFileSync(join(outDir, `${name}.xml`), runBundle(work, name, ['meta-data']));
      console.log(`metadata/${name}.xml`);
    }
    if (existsSync(join(dist, 'fence_compute'))) {
      writeFileSync(join(outDir, 'fence_compute.xml'), runBundle(work, 'fence_compute', ['-o', 'metadata']));
      console.log('metadata/fence_compute.xml');
    } else {
      console.log('dist/fence_compute not built: metadata/fence_compute.xml left as it is');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

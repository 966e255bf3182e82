/**
 * docs/nova-compute.md lists every parameter of the compute agents with its default; this keeps
 * the guide in step with the one declaration the meta-data is generated from.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { novaComputeDeclaration } from '../../../lib/agents/nova-compute-params';

const guide = readFileSync(fileURLToPath(new URL('../../../docs/nova-compute.md', import.meta.url)), 'utf8');

/** Table rows of the guide that start with back-quoted parameter names: names → default column. */
function documented(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of guide.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    const names = [...cells[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string);
    for (const name of names) if (name in novaComputeDeclaration) rows.set(name, cells[2] ?? '');
  }
  return rows;
}

test('every parameter is in the guide, and each default stated there is the declared one', () => {
  const rows = documented();
  expect([...rows.keys()].sort()).toEqual(Object.keys(novaComputeDeclaration).sort());
  for (const [name, spec] of Object.entries(novaComputeDeclaration)) {
    const declared = 'default' in spec ? String(spec.default) : '';
    const stated = rows.get(name) ?? '';
    if (declared !== '') expect({ name, stated }).toEqual({ name, stated: expect.stringContaining(declared) });
  }
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachJsonLog } from '../../../lib/runtime/json-log';
import { log, setLogSink } from '../../../lib/runtime/log';
import { registerSecret } from '../../../lib/runtime/secrets';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'json-log-'));
  setLogSink({ write: () => undefined });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('without NOVA_HA_JSON_LOG nothing is attached', async () => {
  expect(await attachJsonLog({ agent: 'NovaEvacuate', env: {} })).toBe(false);
});

test('every line is written synchronously as JSON with its fields, level and agent', async () => {
  const file = join(dir, 'sub', 'events.jsonl');
  expect(await attachJsonLog({ agent: 'NovaEvacuate', instance: 'nova-evacuate', env: { NOVA_HA_JSON_LOG: file } })).toBe(true);
  log.child({ host: 'cmp-a' }).notice('evacuating 3 instances', { instance: 'i-1' });
  log.error('gave up');
  // No flush, no wait: the destination is synchronous.
  const [first, second] = lines(file);
  expect(first).toMatchObject({ level: 'notice', agent: 'NovaEvacuate', resource: 'nova-evacuate', instance: 'i-1', host: 'cmp-a', msg: 'evacuating 3 instances' });
  expect(second).toMatchObject({ level: 'error', msg: 'gave up' });
  expect(typeof first?.time).toBe('string');
});

test('debug lines only with HA_debug; secret fields and registered secret values never appear', async () => {
  const file = join(dir, 'events.jsonl');
  registerSecret('s3cr3t-value');
  await attachJsonLog({ agent: 'fence_compute', env: { NOVA_HA_JSON_LOG: file }, redactFields: ['passwd'] });
  log.debug('not written');
  log.info('login with s3cr3t-value', { passwd: 'other-secret', host: 'h1' });
  const text = readFileSync(file, 'utf8');
  expect(text).not.toContain('not written');
  expect(text).not.toContain('s3cr3t-value');
  expect(text).not.toContain('other-secret');
  expect(lines(file)[0]).toMatchObject({ passwd: '****', host: 'h1' });
});

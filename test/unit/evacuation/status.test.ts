import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMetrics } from '../../../lib/evacuation/metrics';
import { parseStatusDocument, readStatusFile, STATUS_SCHEMA_VERSION, writeStatusFile, type StatusDocument } from '../../../lib/evacuation/status';
import { ConfigError } from '../../../lib/runtime/errors';

const doc: StatusDocument = {
  schemaVersion: STATUS_SCHEMA_VERSION,
  writtenBy: 'ctl1',
  lastPassAt: 1_795_608_416_000,
  summary: '1 host(s) fenced: 1 evacuation(s) issued, 0 in flight, 1 evacuated, 0 failed, 1 given up',
  errors: [],
  brake: { tripped: false, reason: null, resumedAt: null },
  hosts: [
    {
      name: 'cmp-a', mark: 'ctl1@1795608400', segment: 'default', state: 'evacuating', detail: 'evacuating cmp-a', fencedAt: 1_795_608_390_000,
      instances: [
        { id: 'vm-1', name: 'web "1"', state: 'evacuated', serverStatus: 'ACTIVE', host: 'cmp-b', target: 'cmp-b', attempts: 0, error: null },
        { id: 'vm-2', name: 'db', state: 'in-flight', serverStatus: 'ACTIVE', host: 'cmp-a', target: null, attempts: 1, error: 'Nova said no' },
        { id: 'vm-3', name: 'paused', state: 'given-up', serverStatus: 'PAUSED', host: 'cmp-a', target: null, attempts: 0, error: 'Nova cannot evacuate an instance in state PAUSED' },
      ],
    },
  ],
  givenUp: [{ id: 'vm-3', name: 'paused', host: 'cmp-a', reason: 'Nova cannot evacuate an instance in state PAUSED' }],
};

describe('status file', () => {
  test('written atomically and read back; absent file → undefined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'status-'));
    try {
      const path = join(dir, 'nested', 'status.json');
      expect(await readStatusFile(path)).toBeUndefined();
      await writeStatusFile(path, doc);
      expect(await readStatusFile(path)).toEqual(doc);
      expect(readdirSync(join(dir, 'nested'))).toEqual(['status.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['not JSON', '{', /not JSON/],
    ['another schema', JSON.stringify({ ...doc, schemaVersion: 2 }), /schema version 2, expected 1/],
    ['no hosts', JSON.stringify({ ...doc, hosts: undefined }), /lacks hosts/],
  ])('%s → ConfigError', (_name, text, message) => {
    expect(() => parseStatusDocument(text)).toThrow(ConfigError);
    expect(() => parseStatusDocument(text)).toThrow(message);
  });

  test('a file written by hand is validated on read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'status-'));
    try {
      writeFileSync(join(dir, 's.json'), '[]');
      await expect(readStatusFile(join(dir, 's.json'))).rejects.toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Prometheus textfile', () => {
  test('gauges from the status document, labels escaped', () => {
    const text = renderMetrics(doc);
    expect(text).toContain('# TYPE nova_ha_instances gauge');
    expect(text).toContain('nova_ha_hosts_fenced 1');
    expect(text).toContain('nova_ha_host_state{host="cmp-a",segment="default",state="evacuating"} 1');
    expect(text).toContain('nova_ha_instances{state="evacuated"} 1');
    expect(text).toContain('nova_ha_instances{state="in-flight"} 1');
    expect(text).toContain('nova_ha_instances_given_up 1');
    expect(text).toContain('nova_ha_brake_tripped 0');
    expect(text).toContain('nova_ha_last_pass_timestamp_seconds 1795608416');
    expect(text.endsWith('\n')).toBe(true);
    // Every sample line is `name{labels} number`.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^nova_ha_[a-z_]+(\{[^}]*\})? \d+$/);
  });
});

/**
 * The database view the side-by-side benchmark watches recoveries through
 * (test/openstack/lab-db.ts): what it calls "evacuated" on a table of cases, and on the real
 * lab that it reads the same server as the API does without adding a request to nova-api's log.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Cloud } from '../../lib/openstack/connect';
import type { NovaClient } from '../../lib/openstack/nova';
import { callsSettled, settledMark } from './api-log';
import { dbEvacuations, dbServers, evacuatedIds, type DbMigration, type DbServer } from './lab-db';
import { adminParams, bootOn, connectLab, deleteServers, loadLab, waitActiveOn, type Lab } from './lab';

describe('evacuatedIds', () => {
  const server = (uuid: string, host: string, vmState = 'active', taskState?: string): DbServer => ({ uuid, host, vmState, taskState });
  const evacuation = (instanceUuid: string, status: string): DbMigration => ({ instanceUuid, status, source: 'cmp-a', dest: 'cmp-b' });

  test.each([
    ['rebuilt elsewhere, record done', server('s', 'cmp-b'), [evacuation('s', 'done')], ['s']],
    ['rebuilt elsewhere, record completed (source back)', server('s', 'cmp-b'), [evacuation('s', 'completed')], ['s']],
    ['ACTIVE with no task but still on the failed host', server('s', 'cmp-a'), [evacuation('s', 'accepted')], []],
    ['on the new host, record still running', server('s', 'cmp-b'), [evacuation('s', 'running')], []],
    ['on the new host, still rebuilding', server('s', 'cmp-b', 'active', 'rebuild_spawning'), [evacuation('s', 'done')], []],
    ['went to ERROR', server('s', 'cmp-b', 'error'), [evacuation('s', 'failed')], []],
    ['never evacuated', server('s', 'cmp-b'), [], []],
  ])('%s', (_what, one, migrations, expected) => {
    expect(evacuatedIds('cmp-a', [one], migrations)).toEqual(expected);
  });
});

describe('on the lab', () => {
  let lab: Lab;
  let cloud: Cloud;
  let nova: NovaClient;
  const created: string[] = [];

  beforeAll(async () => {
    lab = loadLab();
    cloud = await connectLab(adminParams(lab), 300_000);
    nova = await cloud.nova();
  });
  afterAll(async () => {
    if (cloud) await deleteServers(cloud, created);
  });

  test('the database shows a server as the API does, and reading it makes no API request', async () => {
    const host = lab.computes[1] ?? lab.computes[0]!;
    const id = await bootOn(cloud, lab, 'lab-db-1', host, lab.flavors.plain.id, lab.images.plain);
    created.push(id);
    const viaApi = await waitActiveOn(nova, id, host, 120_000);

    // nova-api logs a request after answering it: the window is bounded by marker requests, so
    // the API reads above cannot fall into it late and a request the reads made cannot escape it.
    const mark = await settledMark(lab);
    const [viaDb] = await dbServers(lab, [id]);
    const evacuations = await dbEvacuations(lab, [id]);
    expect((await callsSettled(lab, mark)).filter((call) => call.service === 'nova')).toEqual([]);

    expect(viaDb).toEqual({ uuid: id, host: viaApi.host, vmState: 'active', taskState: undefined });
    expect(evacuations).toEqual([]);
    await expect(dbServers(lab, ["x' OR '1'='1"])).rejects.toThrow(/not a server uuid/);
  });
});

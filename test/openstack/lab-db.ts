/**
 * Reads the lab's Nova state straight from MariaDB (through its socket in DIR/run), so a
 * benchmark can watch servers and migrations every half second without adding a single
 * request to nova-api's log: that log is how the agents' own API calls are counted.
 * Read-only; the cell database `nova` holds instances and migrations, `nova` also the services.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Lab } from './lab';

const run = promisify(execFile);

/** One query, tab-separated rows; SQL NULL comes back as undefined. */
export async function labQuery(lab: Lab, sql: string): Promise<(string | undefined)[][]> {
  const { stdout } = await run('mariadb', ['--no-defaults', '-S', join(lab.dir, 'run', 'mysqld.sock'), '-uroot', '-N', '-B', 'nova', '-e', sql], {
    timeout: 15_000,
  });
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t').map((field) => (field === 'NULL' ? undefined : field)));
}

export interface DbServer {
  uuid: string;
  host: string | undefined;
  vmState: string | undefined;
  taskState: string | undefined;
}

export interface DbMigration {
  instanceUuid: string;
  status: string;
  source: string | undefined;
  dest: string | undefined;
}

/** Only hex digits and dashes reach the SQL text. */
function uuidList(ids: readonly string[]): string {
  for (const id of ids) if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not a server uuid: ${id}`);
  return ids.map((id) => `'${id}'`).join(',');
}

export async function dbServers(lab: Lab, ids: readonly string[]): Promise<DbServer[]> {
  if (ids.length === 0) return [];
  const rows = await labQuery(lab, `SELECT uuid, host, vm_state, task_state FROM instances WHERE deleted = 0 AND uuid IN (${uuidList(ids)})`);
  return rows.map(([uuid, host, vmState, taskState]) => ({ uuid: uuid ?? '', host, vmState, taskState }));
}

/** Evacuation records of these servers, oldest first. */
export async function dbEvacuations(lab: Lab, ids: readonly string[]): Promise<DbMigration[]> {
  if (ids.length === 0) return [];
  const rows = await labQuery(
    lab,
    `SELECT instance_uuid, status, source_compute, dest_compute FROM migrations WHERE deleted = 0 AND migration_type = 'evacuation' AND instance_uuid IN (${uuidList(ids)}) ORDER BY id`,
  );
  return rows.map(([instanceUuid, status, source, dest]) => ({ instanceUuid: instanceUuid ?? '', status: status ?? '', source, dest }));
}

/**
 * Servers evacuated off `failedHost` to completion: ACTIVE with no task on another host AND
 * their evacuation record `done` or `completed` (an ACTIVE server with no task on the old host
 * may not have been rebuilt yet).
 */
export function evacuatedIds(failedHost: string, servers: readonly DbServer[], migrations: readonly DbMigration[]): string[] {
  const finished = new Set(migrations.filter((m) => m.status === 'done' || m.status === 'completed').map((m) => m.instanceUuid));
  return servers
    .filter((s) => s.vmState === 'active' && s.taskState === undefined && s.host !== undefined && s.host !== failedHost && finished.has(s.uuid))
    .map((s) => s.uuid);
}

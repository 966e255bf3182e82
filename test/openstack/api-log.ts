/**
 * API calls the lab's services answered, counted from their access logs: nova-api's eventlet
 * lines (`"GET /v2.1/… HTTP/1.1" status: 200`) and Keystone's wsgiref lines (`"POST /v3/auth/tokens
 * HTTP/1.1" 201`). A mark is the logs' sizes; `since(mark)` reads only what was appended.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab';

export interface ApiCall {
  service: 'nova' | 'keystone';
  method: string;
  path: string;
  status: number;
}

const LOGS = { nova: 'nova-api.log', keystone: 'keystone.log' } as const;
const NOVA_LINE = /"(GET|POST|PUT|DELETE|PATCH|HEAD) (\S+) HTTP\/1\.\d" status: (\d{3})/;
const KEYSTONE_LINE = /"(GET|POST|PUT|DELETE|PATCH|HEAD) (\S+) HTTP\/1\.\d" (\d{3})/;

export type LogMark = Record<keyof typeof LOGS, number>;

function logPath(lab: Lab, service: keyof typeof LOGS): string {
  return join(lab.dir, 'log', LOGS[service]);
}

export function markLogs(lab: Lab): LogMark {
  return { nova: statSync(logPath(lab, 'nova')).size, keystone: statSync(logPath(lab, 'keystone')).size };
}

function tail(path: string, from: number): string {
  const size = statSync(path).size;
  if (size <= from) return '';
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(size - from);
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function callsSince(lab: Lab, mark: LogMark): ApiCall[] {
  const calls: ApiCall[] = [];
  for (const service of ['nova', 'keystone'] as const) {
    const pattern = service === 'nova' ? NOVA_LINE : KEYSTONE_LINE;
    for (const line of tail(logPath(lab, service), mark[service]).split('\n')) {
      const m = pattern.exec(line);
      if (m) calls.push({ service, method: m[1] as string, path: m[2] as string, status: Number(m[3]) });
    }
  }
  return calls;
}

/** `METHOD /path` with ids replaced by `{id}` and the query dropped, counted. */
export function summarise(calls: readonly ApiCall[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const call of calls) {
    const path = call.path
      .split('?')[0]!
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}')
      .replace(/\/[0-9a-f]{32}(?=\/|$)/g, '/{id}');
    const key = `${call.service} ${call.method} ${path} ${call.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

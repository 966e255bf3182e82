/**
 * API calls the lab's services answered, counted from their access logs: nova-api's eventlet
 * lines (`"GET /v2.1/… HTTP/1.1" status: 200`) and Keystone's wsgiref lines (`"POST /v3/auth/tokens
 * HTTP/1.1" 201`). A mark is the logs' sizes; `since(mark)` reads only what was appended.
 *
 * nova-api writes a request's line only after answering it, so under load a request made just
 * before a mark can land after it. Where one stray line matters, `settledMark` and `callsUntilMarker`
 * bound the window with marker requests (`GET /?mark=…`, unauthenticated, no database) instead.
 */
import { randomUUID } from 'node:crypto';
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const MARKER_PATH = /^\/\?mark=[0-9a-f-]{36}$/;

/** Asks nova-api's version root with a query only this call uses; the path its log line shows. */
async function sendMarker(lab: Lab): Promise<string> {
  const path = `/?mark=${randomUUID()}`;
  const root = lab.endpoints.compute.replace(/\/v2\.1\/?$/, '');
  const response = await fetch(root + path, { signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`api-log: marker ${path} answered HTTP ${response.status}`);
  return path;
}

/**
 * Sends a marker request, waits for its line in nova-api's log, then until the log has stayed
 * unchanged for quietMs: a request answered before the marker whose line was still pending
 * shows up in that time. Returns the log's size then.
 */
async function settle(lab: Lab, from: number, quietMs: number, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  const path = await sendMarker(lab);
  const needle = `"GET ${path} HTTP/`;
  while (!tail(logPath(lab, 'nova'), from).includes(needle)) {
    if (Date.now() > end) throw new Error(`api-log: nova-api did not log the marker ${path} within ${timeoutMs} ms`);
    await sleep(50);
  }
  let size = statSync(logPath(lab, 'nova')).size;
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    if (Date.now() > end) throw new Error(`api-log: nova-api's log did not stay quiet for ${quietMs} ms within ${timeoutMs} ms`);
    await sleep(100);
    const now = statSync(logPath(lab, 'nova')).size;
    if (now !== size) [size, quietSince] = [now, Date.now()];
  }
  return size;
}

/** A mark no request answered before this call can cross (see `settle`). */
export async function settledMark(lab: Lab, quietMs = 1000, timeoutMs = 60_000): Promise<LogMark> {
  const nova = await settle(lab, statSync(logPath(lab, 'nova')).size, quietMs, timeoutMs);
  return { ...markLogs(lab), nova };
}

/**
 * The calls since `mark` that were answered before this call: a closing marker settles the log
 * the same way; the markers' own lines are left out.
 */
export async function callsSettled(lab: Lab, mark: LogMark, quietMs = 1000, timeoutMs = 60_000): Promise<ApiCall[]> {
  await settle(lab, mark.nova, quietMs, timeoutMs);
  return callsSince(lab, mark).filter((call) => !(call.service === 'nova' && MARKER_PATH.test(call.path)));
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

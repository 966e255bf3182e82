/** A fake /proc for unit tests: one directory per pid with stat, comm and cmdline. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeProcess {
  pid: number;
  argv: string[];
  comm?: string;
  state?: string;
  ppid?: number;
  pgrp?: number;
  session?: number;
  start?: number;
}

export function addProcess(root: string, p: FakeProcess): void {
  const dir = join(root, String(p.pid));
  mkdirSync(dir, { recursive: true });
  const comm = p.comm ?? (p.argv[0] ?? '').split('/').pop()!.slice(0, 15);
  // Fields 3..22 of /proc/<pid>/stat; only state, ppid, pgrp, session and starttime matter here.
  const fields = [p.state ?? 'S', p.ppid ?? 1, p.pgrp ?? p.pid, p.session ?? p.pid, 0, -1, 4194560];
  while (fields.length < 19) fields.push(0);
  fields.push(p.start ?? 1000);
  writeFileSync(join(dir, 'stat'), `${p.pid} (${comm}) ${fields.join(' ')} 0 0\n`);
  writeFileSync(join(dir, 'comm'), `${comm}\n`);
  writeFileSync(join(dir, 'cmdline'), p.argv.length ? `${p.argv.join('\0')}\0` : '');
}

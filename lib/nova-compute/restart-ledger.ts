/**
 * A durable record of restarts made on this node, keyed by any string (`nova-compute` for
 * in-place restarts of nova-compute, `instance:<uuid>` for instances restarted through Nova),
 * so the limits "N restarts per window" hold across monitor runs, each of which is a new
 * process.
 *
 * The caller records a restart BEFORE attempting it: a monitor SIGKILLed by Pacemaker right
 * after the restart call then still counts it, and the limit is never exceeded. Every write
 * goes to a temporary file, is flushed, and replaces the ledger by rename, so a kill mid-write
 * leaves the old ledger or the new one, never half of either. A missing file is a fresh
 * ledger; an unreadable or corrupt one reads as empty and says so (`problem`), for the caller
 * to log: forgetting restarts only allows more of them, it never blocks a recovery.
 *
 * Each key keeps the window it was last written with, and every write prunes each key to its
 * own window: NovaCompute's nova-compute restarts and instance restarts may share one file
 * even when their windows differ.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface RestartAllowance {
  readonly allowed: boolean;
  /** Restarts inside the window now. */
  readonly count: number;
  /** When not allowed: epoch ms when enough entries will have left the window for one more. */
  readonly retryAt?: number;
}

export interface RestartLedger {
  readonly path: string;
  readonly limit: number;
  readonly windowMs: number;
  /** How the file read: `missing` is a first use, `corrupt` also sets `problem`. */
  readonly loaded: 'read' | 'missing' | 'corrupt';
  /** One sentence for the log when the file could not be used; undefined when it could. */
  readonly problem: string | undefined;
  /** Recorded restart times of `key`, epoch ms, oldest first (pruned to the window on write). */
  history(key: string): number[];
  /** The times of `key` still inside this ledger's window at `now`, oldest first (for reports). */
  recent(key: string, now: number): number[];
  /** Whether one more restart of `key` fits: fewer than `limit` inside the window at `now`. */
  allowed(key: string, now: number): RestartAllowance;
  /** Adds a restart of `key` at `now` and writes the ledger atomically before resolving. */
  record(key: string, now: number): Promise<void>;
}

const FORMAT_VERSION = 1;

/** One key's restarts and the window they are pruned to. */
export interface LedgerEntry {
  readonly windowMs: number;
  /** Epoch ms, oldest first. */
  readonly at: readonly number[];
}

interface LedgerFile {
  readonly v: typeof FORMAT_VERSION;
  readonly keys: Record<string, LedgerEntry>;
}

export type LedgerEntries = Map<string, LedgerEntry>;

type ReadResult =
  | { readonly kind: 'read'; readonly entries: LedgerEntries }
  | { readonly kind: 'missing'; readonly entries: LedgerEntries }
  | { readonly kind: 'corrupt'; readonly entries: LedgerEntries; readonly problem: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The file's text → entries; throws on anything that is not a ledger. */
export function parseLedger(text: string): LedgerEntries {
  const data = JSON.parse(text) as unknown;
  if (!isRecord(data)) throw new Error('not a JSON object');
  if (data.v !== FORMAT_VERSION) throw new Error(`format version ${String(data.v)} is not ${FORMAT_VERSION}`);
  if (!isRecord(data.keys)) throw new Error('no "keys" object');
  const entries: LedgerEntries = new Map();
  for (const [key, entry] of Object.entries(data.keys)) {
    if (!isRecord(entry) || !Array.isArray(entry.at)) throw new Error(`entry "${key}" has no list of times`);
    const windowMs = entry.windowMs;
    if (typeof windowMs !== 'number' || !(windowMs > 0)) throw new Error(`entry "${key}" has no window`);
    const at = entry.at.filter((time): time is number => typeof time === 'number' && Number.isFinite(time));
    if (at.length > 0) entries.set(key, { windowMs, at: at.sort((a, b) => a - b) });
  }
  return entries;
}

export function formatLedger(entries: LedgerEntries): string {
  const keys: Record<string, LedgerEntry> = {};
  for (const key of [...entries.keys()].sort()) {
    const entry = entries.get(key);
    if (entry && entry.at.length > 0) keys[key] = { windowMs: entry.windowMs, at: entry.at };
  }
  const file: LedgerFile = { v: FORMAT_VERSION, keys };
  return `${JSON.stringify(file)}\n`;
}

async function readEntries(path: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing', entries: new Map() };
    return { kind: 'corrupt', entries: new Map(), problem: `restart ledger ${path} is unreadable (${(error as Error).message}): starting empty` };
  }
  try {
    return { kind: 'read', entries: parseLedger(text) };
  } catch (error) {
    return { kind: 'corrupt', entries: new Map(), problem: `restart ledger ${path} is corrupt (${(error as Error).message}): starting empty` };
  }
}

function insideWindow(times: readonly number[], now: number, windowMs: number): number[] {
  return times.filter((time) => now - time < windowMs);
}

/** Pure: the allowance for `times` (any order) at `now`. */
export function allowance(times: readonly number[], now: number, limit: number, windowMs: number): RestartAllowance {
  const recent = insideWindow(times, now, windowMs).sort((a, b) => a - b);
  const count = recent.length;
  if (count < limit) return { allowed: true, count };
  // One more fits once count - limit + 1 of them have left: the (count - limit)-th oldest decides.
  const decisive = limit > 0 ? recent[count - limit] : undefined;
  return decisive === undefined ? { allowed: false, count } : { allowed: false, count, retryAt: decisive + windowMs };
}

/**
 * Union of two readings of the ledger (`b` the newer one: its window wins). A time present in
 * both is one restart, not two, so each time counts as often as the reading that holds it most.
 */
export function mergeEntries(a: LedgerEntries, b: LedgerEntries): LedgerEntries {
  const merged: LedgerEntries = new Map();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const counts = new Map<number, number>();
    for (const source of [a, b]) {
      const here = new Map<number, number>();
      for (const time of source.get(key)?.at ?? []) here.set(time, (here.get(time) ?? 0) + 1);
      for (const [time, n] of here) counts.set(time, Math.max(counts.get(time) ?? 0, n));
    }
    const at: number[] = [];
    for (const [time, n] of counts) for (let i = 0; i < n; i++) at.push(time);
    const windowMs = (b.get(key) ?? a.get(key))?.windowMs ?? 0;
    merged.set(key, { windowMs, at: at.sort((x, y) => x - y) });
  }
  return merged;
}

/** Drops the times that left their key's window; a key with none left goes. */
export function pruneEntries(entries: LedgerEntries, now: number): LedgerEntries {
  const pruned: LedgerEntries = new Map();
  for (const [key, entry] of entries) {
    const at = insideWindow(entry.at, now, entry.windowMs);
    if (at.length > 0) pruned.set(key, { windowMs: entry.windowMs, at });
  }
  return pruned;
}

/** Writes `text` to `path` through a flushed temporary file and a rename. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  // The rename itself reaches the disk with the directory's metadata.
  const directory = await open(dirname(path), 'r').catch(() => undefined);
  if (directory) {
    await directory.sync().catch(() => undefined);
    await directory.close();
  }
}

export async function openRestartLedger(path: string, limit: number, windowMs: number): Promise<RestartLedger> {
  const first = await readEntries(path);
  let entries = first.entries;
  // Records of one ledger are written one after the other: they share a temporary file.
  let writing: Promise<void> = Promise.resolve();
  const write = async (key: string, now: number): Promise<void> => {
    // Merge with what is on disk now, in case another run wrote since we read it.
    const merged = mergeEntries((await readEntries(path)).entries, entries);
    merged.set(key, { windowMs, at: [...(merged.get(key)?.at ?? []), now].sort((a, b) => a - b) });
    const pruned = pruneEntries(merged, now);
    await writeAtomically(path, formatLedger(pruned));
    entries = pruned;
  };
  return {
    path,
    limit,
    windowMs,
    loaded: first.kind,
    problem: first.kind === 'corrupt' ? first.problem : undefined,
    history: (key) => [...(entries.get(key)?.at ?? [])],
    recent: (key, now) => insideWindow(entries.get(key)?.at ?? [], now, windowMs),
    allowed: (key, now) => allowance(entries.get(key)?.at ?? [], now, limit, windowMs),
    record(key, now) {
      const done = writing.then(() => write(key, now));
      writing = done.catch(() => undefined);
      return done;
    },
  };
}

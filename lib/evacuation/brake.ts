/**
 * The mass-failure brake: when too many hosts are marked for evacuation at about the same
 * time, the likelier story is that the controllers are the ones cut off, so nothing is
 * evacuated automatically until an operator runs `nova-ha resume`. Pure: time is a parameter.
 *
 * A host counts as marked while its `evacuate` mark is `yes` or in progress, or while Nova
 * shows it fenced by our fence_compute. Its time is the fence time from our disabled reason,
 * else the in-progress marker's epoch. A mark with no time at all (set by another tool) counts
 * as "now" until an operator resumes, and no longer after that.
 *
 * The window slides: the brake trips when the marked hosts of ANY window of `windowMs` up to
 * now are too many, not only the window ending now. So it does not lift by itself when the
 * window passes while those hosts are still marked; only a resume (hosts dated at or before
 * `resumedAt` no longer count) or their marks clearing lifts it.
 *
 * Rules (each off when 0): more than `maxHosts` hosts in a window; or, in one segment, more
 * than `maxSegmentFraction` of its hosts in a window. The fraction rule needs at least two
 * marked hosts: one failed host is never a mass failure, even in a segment of one or two.
 */
import { ConfigError } from '../runtime/errors';
import type { BrakeDecision, BrakePolicy, HostView } from './model';

export const BRAKE_ADVICE = 'the controllers are probably the ones cut off; run `nova-ha resume` once you have checked';

export interface BrakeVerdict extends BrakeDecision {
  /** The hosts of the window that tripped it (sorted); empty when not tripped. */
  readonly hosts: readonly string[];
}

interface Marked {
  readonly name: string;
  readonly segment: string;
  readonly at: number;
}

/** When the host was marked, or undefined when it is not marked (or the mark predates the resume). */
export function markedAt(host: HostView, now: number, resumedAt: number | undefined): number | undefined {
  const marked = host.mark.kind === 'needed' || host.mark.kind === 'in-progress' || host.fencedAt !== undefined;
  if (!marked) return undefined;
  const dated = host.fencedAt ?? (host.mark.kind === 'in-progress' ? host.mark.since * 1000 : undefined);
  if (dated === undefined) return resumedAt === undefined ? now : undefined;
  if (resumedAt !== undefined && dated <= resumedAt) return undefined;
  return Math.min(dated, now);
}

/** The largest set of hosts whose times fit in one window of `windowMs`. */
function busiestWindow(marked: readonly Marked[], windowMs: number): Marked[] {
  const sorted = [...marked].sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : 1));
  let best: Marked[] = [];
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    const last = sorted[end];
    if (last === undefined) break;
    while (start < end && last.at - (sorted[start]?.at ?? last.at) > windowMs) start += 1;
    if (end - start + 1 > best.length) best = sorted.slice(start, end + 1);
  }
  return best;
}

function percent(fraction: number): string {
  const value = Number((fraction * 100).toFixed(1));
  return `${value}%`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function names(marked: readonly Marked[]): string[] {
  return marked.map((item) => item.name).sort();
}

export function checkBrake(hosts: readonly HostView[], policy: BrakePolicy, now: number, resumedAt: number | undefined): BrakeVerdict {
  const marked: Marked[] = [];
  const segmentSize = new Map<string, number>();
  for (const host of hosts) {
    segmentSize.set(host.segment, (segmentSize.get(host.segment) ?? 0) + 1);
    const at = markedAt(host, now, resumedAt);
    if (at !== undefined) marked.push({ name: host.name, segment: host.segment, at });
  }
  const window = seconds(policy.windowMs);

  if (policy.maxSegmentFraction > 0) {
    let worst: { segment: string; hosts: Marked[]; fraction: number } | undefined;
    for (const [segment, size] of [...segmentSize].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const inWindow = busiestWindow(marked.filter((item) => item.segment === segment), policy.windowMs);
      const fraction = inWindow.length / size;
      if (inWindow.length >= 2 && fraction > policy.maxSegmentFraction && (worst === undefined || fraction > worst.fraction)) {
        worst = { segment, hosts: inWindow, fraction };
      }
    }
    if (worst !== undefined) {
      const size = segmentSize.get(worst.segment) ?? 0;
      return {
        tripped: true,
        reason: `${worst.hosts.length} of ${size} hosts of segment ${worst.segment} (${percent(worst.fraction)} > ${percent(policy.maxSegmentFraction)}) marked within ${window}: ${BRAKE_ADVICE}`,
        hosts: names(worst.hosts),
      };
    }
  }
  if (policy.maxHosts > 0) {
    const inWindow = busiestWindow(marked, policy.windowMs);
    if (inWindow.length > policy.maxHosts) {
      return {
        tripped: true,
        reason: `${inWindow.length} hosts marked within ${window} (more than ${policy.maxHosts}): ${BRAKE_ADVICE}`,
        hosts: names(inWindow),
      };
    }
  }
  return { tripped: false, reason: undefined, hosts: [] };
}

export interface BrakeParams {
  readonly maxHosts?: string | undefined;
  readonly maxSegmentFraction?: string | undefined;
  /** Seconds. */
  readonly window?: string | undefined;
}

export interface BrakeParamNames {
  readonly maxHosts: string;
  readonly maxSegmentFraction: string;
  readonly window: string;
}

export const BRAKE_PARAMETERS: BrakeParamNames = {
  maxHosts: 'brake_max_hosts',
  maxSegmentFraction: 'brake_max_segment_fraction',
  window: 'brake_window',
};

/** Defaults: no count limit, more than half of a segment, within 300 s. */
export const DEFAULT_BRAKE_POLICY: BrakePolicy = { maxHosts: 0, maxSegmentFraction: 0.5, windowMs: 300_000 };

/** A whole number ≥ 0 (empty → fallback); ConfigError naming the parameter otherwise. */
export function parseCount(text: string | undefined, parameter: string, fallback: number, minimum = 0): number {
  const value = text?.trim() ?? '';
  if (value === '') return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < minimum) {
    throw new ConfigError(`${parameter}: "${text}" is not a whole number of at least ${minimum}`);
  }
  return Number(value);
}

/** A fraction 0..1, written `0.5` or `50%` (empty → fallback). */
export function parseFraction(text: string | undefined, parameter: string, fallback: number): number {
  const value = text?.trim() ?? '';
  if (value === '') return fallback;
  const isPercent = value.endsWith('%');
  const number = Number(isPercent ? value.slice(0, -1).trim() : value);
  const fraction = isPercent ? number / 100 : number;
  if (value === '%' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw new ConfigError(`${parameter}: "${text}" is not a fraction between 0 and 1 (or 0% to 100%)`);
  }
  return fraction;
}

/** Seconds (fractions allowed) as milliseconds, > 0 (empty → fallback). */
export function parseSecondsMs(text: string | undefined, parameter: string, fallbackMs: number): number {
  const value = text?.trim() ?? '';
  if (value === '') return fallbackMs;
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(number) || number <= 0) {
    throw new ConfigError(`${parameter}: "${text}" is not a number of seconds above 0`);
  }
  return Math.round(number * 1000);
}

export function parseBrakePolicy(params: BrakeParams, names: BrakeParamNames = BRAKE_PARAMETERS): BrakePolicy {
  return {
    maxHosts: parseCount(params.maxHosts, names.maxHosts, DEFAULT_BRAKE_POLICY.maxHosts),
    maxSegmentFraction: parseFraction(params.maxSegmentFraction, names.maxSegmentFraction, DEFAULT_BRAKE_POLICY.maxSegmentFraction),
    windowMs: parseSecondsMs(params.window, names.window, DEFAULT_BRAKE_POLICY.windowMs),
  };
}

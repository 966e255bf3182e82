/**
 * Seeded randomness for the simulator: the same scenario and seed give the same ids,
 * rebuild times and fault draws, so a failing test can be replayed.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uuid(): string;
}

/** mulberry32: small, fast and good enough for simulation draws. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(next() * 16).toString(16);
    return out;
  };
  const uuid = (): string => {
    const variant = (8 + Math.floor(next() * 4)).toString(16);
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
  };
  return { next, uuid };
}

/** A duration in simulated seconds, drawn per event. */
export type Distribution =
  | number
  | { dist: 'fixed'; value: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'lognormal'; median: number; sigma: number; max?: number };

export function draw(d: Distribution, rng: Rng): number {
  if (typeof d === 'number') return d;
  switch (d.dist) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.min + (d.max - d.min) * rng.next();
    case 'lognormal': {
      // Box-Muller for a standard normal; median * e^(sigma*z) has the requested median.
      const u1 = Math.max(rng.next(), 1e-12);
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.next());
      const value = d.median * Math.exp(d.sigma * z);
      return d.max === undefined ? value : Math.min(value, d.max);
    }
  }
}

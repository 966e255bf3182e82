/**
 * Nova microversions ("2.53"): parsing, ordering and the negotiation rule
 * min(server maximum, our ceiling), refused below the server minimum.
 */
import { ConfigError } from '../runtime/errors';
import { UnsupportedError } from './errors';

export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

/**
 * Our default ceiling. 2.95 makes an evacuated instance arrive STOPPED whatever its
 * power state was; instance HA wants it back as it was, so we stay at 2.94 unless an
 * operator raises the ceiling on purpose.
 */
export const DEFAULT_NOVA_CEILING: Microversion = { major: 2, minor: 94 };

export function parseMicroversion(text: string, what = 'microversion'): Microversion {
  const match = /^\s*(\d+)\.(\d+)\s*$/.exec(text);
  if (!match) throw new ConfigError(`${what} '${text}' is not a microversion like 2.53`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

export function formatMicroversion(version: Microversion): string {
  return `${version.major}.${version.minor}`;
}

export function compareMicroversions(a: Microversion, b: Microversion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export function atLeast(version: Microversion, text: string): boolean {
  return compareMicroversions(version, parseMicroversion(text)) >= 0;
}

/**
 * The microversion to speak: the lower of what the server offers and our ceiling.
 * A server whose minimum is above the ceiling cannot be spoken to at all.
 */
export function negotiateMicroversion(
  server: { min: Microversion; max: Microversion },
  ceiling: Microversion = DEFAULT_NOVA_CEILING,
  endpoint = 'Nova',
): Microversion {
  const chosen = compareMicroversions(server.max, ceiling) <= 0 ? server.max : ceiling;
  if (compareMicroversions(chosen, server.min) < 0) {
    throw new UnsupportedError(
      `${endpoint} requires microversion ${formatMicroversion(server.min)} or later but our ceiling is ` +
        `${formatMicroversion(ceiling)}; raise nova_max_microversion`,
    );
  }
  return chosen;
}

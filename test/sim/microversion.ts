/**
 * Nova microversion negotiation: `X-OpenStack-Nova-API-Version: 2.x` or
 * `OpenStack-API-Version: compute 2.x`; absent means the minimum; `latest` the maximum;
 * a malformed string is 400 and an unsupported one 406, as nova/api/openstack/wsgi.py does.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SimHttpError } from './errors';

export interface Version {
  major: number;
  minor: number;
}

export function parseVersion(text: string): Version | null {
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

export function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor;
}

export function format(v: Version): string {
  return `${v.major}.${v.minor}`;
}

/** True when the request's version is at least `min` ("2.53"). */
export function atLeast(v: Version, min: string): boolean {
  return compare(v, parseVersion(min)!) >= 0;
}

export function negotiate(headers: IncomingHttpHeaders, minText: string, maxText: string): Version {
  const min = parseVersion(minText)!;
  const max = parseVersion(maxText)!;
  let requested: string | undefined;
  const generic = headerValue(headers['openstack-api-version']);
  if (generic !== undefined) {
    for (const part of generic.split(',')) {
      const [service, value] = part.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'compute' && value !== undefined) requested = value;
    }
  }
  requested ??= headerValue(headers['x-openstack-nova-api-version']);
  if (requested === undefined) return min;
  if (requested.trim().toLowerCase() === 'latest') return max;
  const v = parseVersion(requested);
  if (!v) {
    throw new SimHttpError(400, `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`);
  }
  if (compare(v, min) < 0 || compare(v, max) > 0) {
    throw new SimHttpError(
      406,
      `Version ${requested} is not supported by the API. Minimum is ${minText} and maximum is ${maxText}.`,
    );
  }
  return v;
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

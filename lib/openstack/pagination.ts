/**
 * Following OpenStack's paginated lists: Nova's `<collection>_links` with rel "next", and
 * Glance's `next`. The next link's query (limit, marker and the original filters) is
 * re-sent to our own base URL rather than fetched as is: behind a proxy or with a catalog
 * interface other than public, the host in the link may not be the one we can reach.
 */
import type { Query } from './http';

/** The query of the link with rel "next" in a Nova `*_links` array, if any. */
export function novaNextQuery(links: unknown): Record<string, string> | undefined {
  if (!Array.isArray(links)) return undefined;
  for (const link of links) {
    const record = (link ?? {}) as { rel?: unknown; href?: unknown };
    if (record.rel === 'next' && typeof record.href === 'string') return queryOf(record.href);
  }
  return undefined;
}

/** The query of Glance's `next` ("/v2/images?marker=…"), if any. */
export function glanceNextQuery(next: unknown): Record<string, string> | undefined {
  return typeof next === 'string' && next !== '' ? queryOf(next) : undefined;
}

function queryOf(href: string): Record<string, string> {
  const url = new URL(href, 'http://placeholder.invalid');
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => {
    query[key] = value;
  });
  return query;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next: Record<string, string> | undefined;
}

/**
 * Fetches pages until there is no next link. Stops, rather than loops, if a server hands
 * back the same marker twice or an empty page with a next link.
 */
export async function collectPages<T>(
  fetchPage: (query: Query) => Promise<Page<T>>,
  first: Query,
  maxPages = 10_000,
): Promise<T[]> {
  const all: T[] = [];
  const seenMarkers = new Set<string>();
  let query: Query | undefined = first;
  for (let page = 0; query !== undefined && page < maxPages; page += 1) {
    const result: Page<T> = await fetchPage(query);
    all.push(...result.items);
    const next = result.next;
    const marker = next?.marker;
    if (!next || result.items.length === 0 || marker === undefined || seenMarkers.has(marker)) break;
    seenMarkers.add(marker);
    query = { ...first, ...next };
  }
  return all;
}

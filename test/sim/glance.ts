/**
 * Glance v2 images: listing with `limit`/`marker` and a relative `next` link (default
 * page 25, as Glance's limit_param_default), `tag` filters (all must match), property
 * filters, and image show. Properties appear as top-level keys, as Glance shows them.
 */
import type { Cloud } from './cloud';
import { SimHttpError } from './errors';
import type { Image } from './model';
import { iso, ok, route, type Route } from './router';

const RESERVED = new Set(['limit', 'marker', 'tag', 'sort_key', 'sort_dir', 'sort', 'member_status']);

function imageView(im: Image) {
  return {
    ...im.properties,
    id: im.id,
    name: im.name,
    status: 'active',
    visibility: im.visibility,
    tags: [...im.tags],
    owner: im.ownerProjectId,
    container_format: 'bare',
    disk_format: 'raw',
    min_disk: 0,
    min_ram: 0,
    size: 1024,
    checksum: null,
    protected: false,
    os_hidden: false,
    created_at: iso(im.createdAt),
    updated_at: iso(im.createdAt),
    self: `/v2/images/${im.id}`,
    file: `/v2/images/${im.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function glanceRoutes(cloud: Cloud): Route[] {
  return [
    route('glance', 'GET', '', (ctx) => ({
      status: 300,
      body: { versions: [{ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${ctx.base}/v2/` }] }] },
    }), false),
    route('glance', 'GET', '/v2/images', (ctx) => {
      const q = ctx.query;
      const tags = q.getAll('tag');
      const props = [...q.entries()].filter(([k]) => !RESERVED.has(k));
      const all = [...cloud.images.values()]
        .filter((im) => tags.every((t) => im.tags.includes(t)))
        .filter((im) =>
          props.every(([k, v]) => {
            if (k === 'name') return im.name === v;
            if (k === 'visibility') return v === 'all' || im.visibility === v;
            if (k === 'status') return v === 'active';
            return im.properties[k] === v;
          }),
        )
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const marker = q.get('marker');
      let start = 0;
      if (marker !== null) {
        const at = all.findIndex((im) => im.id === marker);
        if (at < 0) throw new SimHttpError(400, `Invalid marker. Image ${marker} could not be found.`);
        start = at + 1;
      }
      const limitRaw = q.get('limit');
      const limit = Math.min(limitRaw === null ? 25 : Number(limitRaw), 1000);
      if (!Number.isInteger(limit) || limit < 0) throw new SimHttpError(400, 'limit param must be an integer');
      const page = all.slice(start, start + limit);
      const body: Record<string, unknown> = { images: page.map(imageView), first: '/v2/images', schema: '/v2/schemas/images' };
      if (page.length === limit && limit > 0) {
        const next = new URLSearchParams(q);
        next.set('marker', page[page.length - 1]!.id);
        body['next'] = `/v2/images?${next.toString()}`;
      }
      return ok(body);
    }),
    route('glance', 'GET', '/v2/images/{image_id}', (ctx) => {
      const im = cloud.images.get(ctx.params['image_id'] ?? '');
      if (!im) throw new SimHttpError(404, `No image found with ID ${ctx.params['image_id'] ?? ''}`);
      return ok(imageView(im));
    }),
  ];
}

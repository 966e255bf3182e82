import { Deadline } from '../../../lib/runtime/deadline';
import { connect } from '../../../lib/openstack/connect';
import { resolveAuthSpec } from '../../../lib/openstack/credentials';
import { normaliseImage } from '../../../lib/openstack/glance';
import { closeHttpAgents } from '../../../lib/openstack/http';
import { FakeOpenStack, PASSWORD } from './fake-openstack';

const cloud = new FakeOpenStack();

beforeAll(() => cloud.start());
afterAll(async () => {
  closeHttpAgents();
  await cloud.stop();
});

function image(index: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `img-${index}`,
    name: `image ${index}`,
    status: 'active',
    visibility: 'public',
    owner: 'p1',
    tags: [],
    size: 1024,
    disk_format: 'raw',
    container_format: 'bare',
    self: `/v2/images/img-${index}`,
    file: `/v2/images/img-${index}/file`,
    schema: '/v2/schemas/image',
    created_at: '2026-11-25T12:00:00Z',
    ...extra,
  };
}

describe('Glance v2 images', () => {
  it('follows `next` to the last page (the classic agent reads only the first) and finds a late evacuable tag', async () => {
    const all = [1, 2, 3, 4, 5].map((index) => image(index, index === 5 ? { tags: ['evacuable'] } : {}));
    cloud.on('GET', '/r1/internal/image/v2/images', (request) => {
      const marker = request.query.get('marker');
      const start = marker ? all.findIndex((entry) => entry.id === marker) + 1 : 0;
      const page = all.slice(start, start + 2);
      const next = start + 2 < all.length ? `/v2/images?marker=${String(page.at(-1)?.id)}` : undefined;
      return { body: { images: page, first: '/v2/images', schema: '/v2/schemas/images', ...(next ? { next } : {}) } };
    });
    const spec = resolveAuthSpec({ auth_url: `${cloud.base}/v3`, username: 'admin', password: PASSWORD, tenant_name: 'admin' });
    const glance = await (await connect(spec, { deadline: Deadline.in(10_000) })).glance();
    const images = await glance.listImages();
    expect(images.map((entry) => entry.id)).toEqual(['img-1', 'img-2', 'img-3', 'img-4', 'img-5']);
    expect(images.filter((entry) => entry.tags.includes('evacuable')).map((entry) => entry.id)).toEqual(['img-5']);
    const pages = cloud.requests.filter((request) => request.path === '/r1/internal/image/v2/images');
    expect(pages.map((request) => request.query.get('marker'))).toEqual([null, 'img-2', 'img-4']);
    expect(pages.map((request) => request.query.get('limit'))).toEqual(['200', '200', '200']);
  });

  it('gathers custom properties apart from the core fields', () => {
    expect(normaliseImage(image(7, { tags: ['evacuable', 'gold'], evacuable: 'true', hw_qemu_guest_agent: 'yes', os_hidden: false, min_ram: 0 }))).toEqual({
      id: 'img-7',
      name: 'image 7',
      status: 'active',
      visibility: 'public',
      owner: 'p1',
      tags: ['evacuable', 'gold'],
      properties: { evacuable: 'true', hw_qemu_guest_agent: 'yes' },
    });
  });
});

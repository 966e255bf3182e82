import {
  DEFAULT_NOVA_CEILING,
  compareMicroversions,
  formatMicroversion,
  negotiateMicroversion,
  parseMicroversion,
} from '../../../lib/openstack/microversion';
import { UnsupportedError } from '../../../lib/openstack/errors';
import { parseNovaVersionDocument, versionRoot } from '../../../lib/openstack/nova';
import { ConfigError } from '../../../lib/runtime/errors';

const v = parseMicroversion;

describe('microversion negotiation', () => {
  it.each([
    // server min, server max, ceiling, chosen
    ['2.1', '2.93', undefined, '2.93'], // Zed: below our ceiling
    ['2.1', '2.96', undefined, '2.94'], // newer Nova: capped below 2.95 (stopped evacuation)
    ['2.1', '2.96', '2.96', '2.96'], // operator raised the ceiling
    ['2.1', '2.93', '2.11', '2.11'], // pinned low, as the classic agents
    ['2.1', '2.100', undefined, '2.94'], // numeric, not lexical, ordering
    ['2.1', '2.9', '2.10', '2.9'],
  ])('server %s–%s, ceiling %s → %s', (min, max, ceiling, chosen) => {
    const result = negotiateMicroversion({ min: v(min), max: v(max) }, ceiling ? v(ceiling) : undefined);
    expect(formatMicroversion(result)).toBe(chosen);
  });

  it('the default ceiling is 2.94', () => {
    expect(formatMicroversion(DEFAULT_NOVA_CEILING)).toBe('2.94');
  });

  it('refuses a server whose minimum is above the ceiling', () => {
    expect(() => negotiateMicroversion({ min: v('2.60'), max: v('2.96') }, v('2.11'))).toThrow(UnsupportedError);
  });

  it('orders numerically', () => {
    expect(compareMicroversions(v('2.9'), v('2.10'))).toBeLessThan(0);
    expect(compareMicroversions(v('2.53'), v('2.53'))).toBe(0);
  });

  it('rejects malformed versions with a ConfigError', () => {
    expect(() => v('2', 'nova_max_microversion')).toThrow(ConfigError);
    expect(() => v('latest', 'nova_max_microversion')).toThrow("nova_max_microversion 'latest' is not a microversion like 2.53");
  });
});

describe('Nova version document', () => {
  it('reads {version} from /v2.1/ and {versions} from the root', () => {
    expect(parseNovaVersionDocument({ version: { id: 'v2.1', version: '2.93', min_version: '2.1' } }, 'x')).toEqual({
      min: v('2.1'),
      max: v('2.93'),
    });
    const root = {
      versions: [
        { id: 'v2.0', version: '', min_version: '' },
        { id: 'v2.1', version: '2.79', min_version: '2.1' },
      ],
    };
    expect(parseNovaVersionDocument(root, 'x').max).toEqual(v('2.79'));
  });

  it('refuses the legacy v2.0 API, saying the catalog must point at /v2.1', () => {
    expect(() => parseNovaVersionDocument({ version: { id: 'v2.0', version: '', min_version: '' } }, 'http://n/v2')).toThrow(
      /legacy v2.0 API\?\): the catalog must point at Nova's \/v2.1/,
    );
  });

  it.each([
    ['http://n:8774/v2.1', 'http://n:8774/v2.1'],
    ['http://n:8774/v2.1/', 'http://n:8774/v2.1'],
    ['http://n:8774/v2.1/3f2e1d', 'http://n:8774/v2.1'],
    ['https://api/compute/v2.1', 'https://api/compute/v2.1'],
    ['http://n:8774/v2/3f2e1d', 'http://n:8774/v2'],
  ])('version root of %s is %s', (endpoint, root) => {
    expect(versionRoot(endpoint)).toBe(root);
  });
});

import type { Server, ServerFlavor } from '../../../lib/openstack/nova-types';
import type { HostView, ScopeFacts, ScopePolicy } from '../../../lib/evacuation/model';
import {
  buildScopeFacts,
  decideScope,
  parseNameList,
  parseScopeMode,
  parseScopePolicy,
  scopeModeFromInstanceFiltering,
} from '../../../lib/evacuation/scope';
import { ConfigError } from '../../../lib/runtime/errors';

function flavor(overrides: Partial<ServerFlavor> = {}): ServerFlavor {
  return { id: 'f-small', originalName: null, vcpus: 1, ram: 512, disk: 1, extraSpecs: null, ...overrides };
}

function server(overrides: Partial<Server> = {}): Server {
  return {
    id: 'vm-1',
    name: 'vm-1',
    status: 'ACTIVE',
    host: 'cmp-1',
    hypervisorHostname: 'cmp-1',
    vmState: 'active',
    taskState: null,
    powerState: 1,
    projectId: 'proj-a',
    userId: 'user-a',
    flavor: flavor(),
    imageId: 'img-plain',
    metadata: {},
    tags: [],
    locked: false,
    created: null,
    updated: null,
    ...overrides,
  };
}

const host: HostView = {
  name: 'cmp-1',
  service: {
    id: '1', host: 'cmp-1', binary: 'nova-compute', zone: 'nova', status: 'disabled', state: 'down',
    forcedDown: true, disabledReason: null, updatedAt: null,
  },
  mark: { kind: 'needed' },
  fencedAt: undefined,
  segment: 'east',
  reserved: false,
  free: undefined,
  aggregates: ['agg-ha', 'agg-ssd'],
};

const policy = (overrides: Partial<ScopePolicy> = {}): ScopePolicy => ({
  mode: 'classic',
  metadataKey: 'evacuable',
  includeProjects: [],
  excludeProjects: [],
  includeAggregates: [],
  ...overrides,
});

const nothingTagged: ScopeFacts = { evacuableFlavorIds: new Set(), evacuableImageIds: new Set() };
const flavorTagged: ScopeFacts = { evacuableFlavorIds: new Set(['f-ha']), evacuableImageIds: new Set() };
const imageTagged: ScopeFacts = { evacuableFlavorIds: new Set(), evacuableImageIds: new Set(['img-ha']) };

describe('buildScopeFacts', () => {
  const cases: Array<{ name: string; spec?: string; tags?: string[]; property?: unknown; flavor: boolean; image: boolean }> = [
    { name: 'extra spec true', spec: 'true', flavor: true, image: false },
    { name: 'extra spec padded, upper case', spec: '  TRUE ', flavor: true, image: false },
    { name: 'extra spec True', spec: 'True', flavor: true, image: false },
    { name: 'extra spec false', spec: 'false', flavor: false, image: false },
    { name: 'extra spec yes is not true', spec: 'yes', flavor: false, image: false },
    { name: 'extra spec 1 is not true', spec: '1', flavor: false, image: false },
    { name: 'extra spec empty', spec: '', flavor: false, image: false },
    { name: 'image tagged evacuable', tags: ['evacuable'], flavor: false, image: true },
    { name: 'image tagged among others', tags: ['gold', 'evacuable'], flavor: false, image: true },
    { name: 'image tag is exact (case)', tags: ['Evacuable'], flavor: false, image: false },
    { name: 'image property true (older clouds)', property: 'true', flavor: false, image: true },
    { name: 'image property True padded', property: ' True ', flavor: false, image: true },
    { name: 'image property boolean true', property: true, flavor: false, image: true },
    { name: 'image property false', property: 'false', flavor: false, image: false },
    { name: 'image property number', property: 1, flavor: false, image: false },
    { name: 'nothing at all', flavor: false, image: false },
  ];
  test.each(cases)('$name', ({ spec, tags, property, flavor: wantFlavor, image: wantImage }) => {
    const facts = buildScopeFacts(
      [{ id: 'f1', extraSpecs: spec === undefined ? {} : { evacuable: spec } }, { id: 'f2', extraSpecs: { other: 'true' } }],
      [{ id: 'i1', tags: tags ?? [], properties: property === undefined ? {} : { evacuable: property } }],
    );
    expect(facts.evacuableFlavorIds.has('f1')).toBe(wantFlavor);
    expect(facts.evacuableFlavorIds.has('f2')).toBe(false);
    expect(facts.evacuableImageIds.has('i1')).toBe(wantImage);
  });

  test('private flavors count like public ones (the caller lists both)', () => {
    const facts = buildScopeFacts(
      [{ id: 'pub', extraSpecs: { evacuable: 'true' } }, { id: 'priv', extraSpecs: { evacuable: 'true' } }],
      [],
    );
    expect([...facts.evacuableFlavorIds].sort()).toEqual(['priv', 'pub']);
  });
});

describe('decideScope', () => {
  const cases: Array<{
    name: string;
    srv: Partial<Server>;
    facts: ScopeFacts;
    pol: Partial<ScopePolicy>;
    hostAggregates?: string[];
    protected: boolean;
    reason: RegExp;
  }> = [
    // classic
    { name: 'classic, nothing tagged: everything', srv: {}, facts: nothingTagged, pol: {}, protected: true,
      reason: /nothing in the cloud is tagged evacuable, so every instance is protected \(classic rule\)/ },
    { name: 'classic, nothing tagged, volume-booted: protected', srv: { imageId: null }, facts: nothingTagged, pol: {}, protected: true,
      reason: /classic rule/ },
    { name: 'classic, flavor tagged', srv: { flavor: flavor({ id: 'f-ha', originalName: 'm1.ha' }) }, facts: flavorTagged, pol: {},
      protected: true, reason: /^flavor m1.ha is tagged evacuable$/ },
    { name: 'classic, flavor tagged, shown by id without a name', srv: { flavor: flavor({ id: 'f-ha' }) }, facts: flavorTagged, pol: {},
      protected: true, reason: /^flavor f-ha is tagged evacuable$/ },
    { name: 'classic, other flavor tagged: not protected', srv: {}, facts: flavorTagged, pol: {}, protected: false,
      reason: /neither flavor f-small nor image img-plain is tagged evacuable while other flavors or images are \(classic rule\)/ },
    { name: 'classic, image tagged', srv: { imageId: 'img-ha' }, facts: imageTagged, pol: {}, protected: true,
      reason: /^image img-ha is tagged evacuable$/ },
    { name: 'classic, image tagged elsewhere, volume-booted: not protected', srv: { imageId: null }, facts: imageTagged, pol: {},
      protected: false, reason: /boots from a volume \(no image\)/ },
    { name: 'classic, volume-booted with tagged flavor: protected', srv: { imageId: null, flavor: flavor({ id: 'f-ha' }) },
      facts: flavorTagged, pol: {}, protected: true, reason: /flavor f-ha is tagged/ },
    { name: 'classic, flavor OR image: image alone suffices with flavors tagged', srv: { imageId: 'img-ha' },
      facts: { evacuableFlavorIds: new Set(['f-ha']), evacuableImageIds: new Set(['img-ha']) }, pol: {}, protected: true,
      reason: /image img-ha/ },
    { name: 'classic, 2.47 embedded flavor with evacuable=true', srv: { flavor: flavor({ id: null, originalName: 'm1.ha', extraSpecs: { evacuable: ' True' } }) },
      facts: flavorTagged, pol: {}, protected: true, reason: /flavor m1.ha carries extra spec evacuable=true/ },
    { name: 'classic, 2.47 embedded flavor without the spec', srv: { flavor: flavor({ id: null, originalName: 'm1.small', extraSpecs: {} }) },
      facts: flavorTagged, pol: {}, protected: false, reason: /neither flavor m1.small/ },
    { name: 'classic, 2.47 embedded flavor with specs hidden', srv: { flavor: flavor({ id: null, originalName: 'm1.small', extraSpecs: null }) },
      facts: flavorTagged, pol: {}, protected: false, reason: /neither flavor m1.small/ },
    // tagged
    { name: 'tagged, nothing tagged: nothing protected', srv: {}, facts: nothingTagged, pol: { mode: 'tagged' }, protected: false,
      reason: /scope tagged: neither flavor f-small nor image img-plain is tagged evacuable, and no metadata evacuable=true/ },
    { name: 'tagged, flavor tagged', srv: { flavor: flavor({ id: 'f-ha' }) }, facts: flavorTagged, pol: { mode: 'tagged' },
      protected: true, reason: /flavor f-ha is tagged/ },
    { name: 'tagged, metadata opt-in', srv: { metadata: { evacuable: 'true' } }, facts: nothingTagged, pol: { mode: 'tagged' },
      protected: true, reason: /^metadata evacuable=true opts it in$/ },
    // all / none
    { name: 'all: untagged server protected', srv: {}, facts: flavorTagged, pol: { mode: 'all' }, protected: true,
      reason: /scope all protects every instance/ },
    { name: 'none: tagged server not protected', srv: { flavor: flavor({ id: 'f-ha' }) }, facts: flavorTagged, pol: { mode: 'none' },
      protected: false, reason: /scope none protects no instance/ },
    { name: 'none: metadata opt-in does not override', srv: { metadata: { evacuable: 'true' } }, facts: nothingTagged, pol: { mode: 'none' },
      protected: false, reason: /scope none/ },
    // metadata overrides tags
    { name: 'metadata opt-out beats a tagged flavor', srv: { flavor: flavor({ id: 'f-ha' }), metadata: { evacuable: 'false' } },
      facts: flavorTagged, pol: {}, protected: false, reason: /^metadata evacuable=false opts it out$/ },
    { name: 'metadata opt-out beats scope all', srv: { metadata: { evacuable: ' FALSE ' } }, facts: nothingTagged, pol: { mode: 'all' },
      protected: false, reason: /opts it out/ },
    { name: 'metadata opt-in beats classic untagged', srv: { metadata: { evacuable: 'True' } }, facts: flavorTagged, pol: {},
      protected: true, reason: /opts it in/ },
    { name: 'metadata with another value is ignored', srv: { metadata: { evacuable: 'maybe' } }, facts: flavorTagged, pol: {},
      protected: false, reason: /classic rule/ },
    { name: 'custom metadata key', srv: { metadata: { ha: 'true', evacuable: 'false' } }, facts: flavorTagged, pol: { metadataKey: 'ha' },
      protected: true, reason: /^metadata ha=true opts it in$/ },
    // projects and aggregates
    { name: 'excluded project', srv: {}, facts: nothingTagged, pol: { excludeProjects: ['proj-a'] }, protected: false,
      reason: /^project proj-a is excluded/ },
    { name: 'excluded project beats metadata opt-in', srv: { metadata: { evacuable: 'true' } }, facts: nothingTagged,
      pol: { excludeProjects: ['proj-a'] }, protected: false, reason: /project proj-a is excluded \(metadata evacuable=true opts it in\)/ },
    { name: 'other project excluded: kept', srv: {}, facts: nothingTagged, pol: { excludeProjects: ['proj-b'] }, protected: true,
      reason: /classic rule/ },
    { name: 'included project', srv: {}, facts: nothingTagged, pol: { includeProjects: ['proj-a', 'proj-b'] }, protected: true,
      reason: /classic rule/ },
    { name: 'project not included', srv: { projectId: 'proj-c' }, facts: nothingTagged, pol: { includeProjects: ['proj-a'] },
      protected: false, reason: /project proj-c is not among the included projects/ },
    { name: 'unknown project with include list', srv: { projectId: null }, facts: nothingTagged, pol: { includeProjects: ['proj-a'] },
      protected: false, reason: /project unknown is not among/ },
    { name: 'host in an included aggregate', srv: {}, facts: nothingTagged, pol: { includeAggregates: ['agg-ssd'] }, protected: true,
      reason: /classic rule/ },
    { name: 'host in no included aggregate', srv: {}, facts: nothingTagged, pol: { includeAggregates: ['agg-gpu', 'agg-x'] },
      protected: false, reason: /host cmp-1 is in none of the included aggregates agg-gpu, agg-x/ },
    { name: 'host without aggregates and an include list', srv: {}, facts: nothingTagged, pol: { includeAggregates: ['agg-ha'] },
      hostAggregates: [], protected: false, reason: /none of the included aggregates/ },
    { name: 'rules apply only to protected instances (reason stays the scope one)', srv: {}, facts: flavorTagged,
      pol: { excludeProjects: ['proj-a'] }, protected: false, reason: /classic rule/ },
  ];
  test.each(cases)('$name', ({ srv, facts, pol, hostAggregates, protected: want, reason }) => {
    const view = hostAggregates === undefined ? host : { ...host, aggregates: hostAggregates };
    const decision = decideScope(server(srv), view, facts, policy(pol));
    expect(decision.protected).toBe(want);
    expect(decision.reason).toMatch(reason);
  });
});

describe('scope parameters', () => {
  test.each([
    ['', 'classic'],
    [undefined, 'classic'],
    ['classic', 'classic'],
    [' Tagged ', 'tagged'],
    ['ALL', 'all'],
    ['none', 'none'],
  ] as const)('mode %p → %s', (text, mode) => {
    expect(parseScopeMode(text)).toBe(mode);
  });

  test('an unknown mode names the parameter', () => {
    expect(() => parseScopeMode('some')).toThrow(ConfigError);
    expect(() => parseScopeMode('some')).toThrow(/evacuation_scope: "some" is not one of classic, tagged, all, none/);
    expect(() => parseScopeMode('x', 'scope')).toThrow(/^scope:/);
  });

  test.each([
    ['false', 'none'],
    ['False', 'none'],
    ['0', 'none'],
    ['no', 'none'],
    ['true', 'classic'],
    ['', 'classic'],
    [undefined, 'classic'],
  ] as const)('instance_filtering %p → %s', (text, mode) => {
    expect(scopeModeFromInstanceFiltering(text)).toBe(mode);
  });

  test('lists split on commas and spaces', () => {
    expect(parseNameList(' a, b  c,,')).toEqual(['a', 'b', 'c']);
    expect(parseNameList('')).toEqual([]);
    expect(parseNameList(undefined)).toEqual([]);
  });

  test('policy with defaults', () => {
    expect(parseScopePolicy({})).toEqual({
      mode: 'classic', metadataKey: 'evacuable', includeProjects: [], excludeProjects: [], includeAggregates: [],
    });
    expect(parseScopePolicy({ mode: 'tagged', metadataKey: 'ha', excludeProjects: 'p1,p2', includeAggregates: 'ha' })).toEqual({
      mode: 'tagged', metadataKey: 'ha', includeProjects: [], excludeProjects: ['p1', 'p2'], includeAggregates: ['ha'],
    });
  });

  test('a metadata key with spaces names its parameter', () => {
    expect(() => parseScopePolicy({ metadataKey: 'a b' })).toThrow(/scope_metadata_key: "a b" contains white space/);
  });
});

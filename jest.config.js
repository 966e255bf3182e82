// ESM throughout: execa 9 ships ESM only, so jest runs with --experimental-vm-modules.
// The heavy tiers need parts a machine can hold only once (a Pacemaker cluster, a real
// OpenStack): each runs on its own, in band, from its script (scripts/test-pacemaker,
// scripts/test-openstack); the default tier leaves their folders out.
const tier = process.env.NOVA_HA_TEST_TIER ?? 'default';
const HEAVY_TIERS = ['pacemaker', 'openstack', 'cluster'];
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testMatch: HEAVY_TIERS.includes(tier)
    ? [`<rootDir>/test/${tier}/**/*.test.ts`]
    : ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: HEAVY_TIERS.includes(tier)
    ? ['/node_modules/']
    : ['/node_modules/', ...HEAVY_TIERS.map((name) => `<rootDir>/test/${name}/`)],
  testTimeout: 60000,
};

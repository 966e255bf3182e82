// ESM throughout: execa 9 ships ESM only, so jest runs with --experimental-vm-modules.
// The real-Pacemaker tier needs the one cluster a machine can hold: it runs on its own,
// in band, from scripts/test-pacemaker (see README).
const tier = process.env.NOVA_HA_TEST_TIER ?? 'default';
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testMatch:
    tier === 'pacemaker'
      ? ['<rootDir>/test/pacemaker/**/*.test.ts']
      : ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: tier === 'pacemaker' ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/pacemaker/'],
  testTimeout: 60000,
};

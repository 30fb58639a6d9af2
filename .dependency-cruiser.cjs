// The layer order of src/ (docs/architecture.md), checked by `npm run check:layers`.
// Each folder may import its own modules and the folders listed for it, nothing else; no module
// may take part in a cycle. Tests and test kits are leaves (nothing in production imports them),
// so they may import across layers; production code may not import them.

/** Folders and what each may import (besides itself). Bottom to top; keep docs/architecture.md in step. */
const layers = {
  // 0. Shared vocabulary: the contracts' ABIs, then the protocol (typed data, stream names,
  //    refusal reasons, MQTT topics and connect token, signatures).
  contracts: [],
  protocol: ['contracts'],
  // 1. Pure building blocks.
  crypto: ['contracts', 'protocol'],
  keystore: ['contracts', 'protocol'],
  answers: ['contracts', 'protocol'],
  policy: ['contracts', 'protocol'],
  attestation: ['contracts', 'protocol'],
  // Operating-system helpers: process identity (pid + start time), port holders, termination.
  processes: [],
  // 2. The chain: reads and writes of the contracts, deployment, the embedded Anvil.
  chain: ['contracts', 'protocol', 'crypto', 'keystore', 'answers', 'policy', 'attestation', 'processes'],
  // 3. Services on the chain. The indexer (chain events into SQL) first: the gateway serves its query API.
  indexer: ['contracts', 'protocol', 'chain'],
  gateway: ['contracts', 'protocol', 'crypto', 'keystore', 'answers', 'policy', 'attestation', 'chain', 'indexer'],
  mqtt: ['contracts', 'protocol', 'crypto', 'keystore', 'answers', 'policy', 'attestation', 'chain', 'indexer', 'gateway'],
  network: ['protocol', 'crypto', 'keystore', 'processes', 'chain'],
  verify: ['contracts', 'protocol', 'crypto', 'chain'],
  // 4. The device SDK: above the gateway in the order (it is its client) but it imports only what
  //    a device needs (rule sdk-is-device-code below).
  sdk: ['contracts', 'protocol', 'crypto', 'keystore', 'answers', 'policy'],
  // 5. Programs made of the layers below.
  simulator: ['contracts', 'protocol', 'crypto', 'keystore', 'answers', 'policy', 'sdk'],
  stack: ['contracts', 'protocol', 'crypto', 'keystore', 'answers', 'policy', 'attestation', 'processes', 'chain', 'indexer', 'gateway', 'mqtt', 'network'],
  demo: [
    'contracts',
    'protocol',
    'crypto',
    'keystore',
    'answers',
    'policy',
    'attestation',
    'processes',
    'chain',
    'indexer',
    'gateway',
    'mqtt',
    'sdk',
    'simulator',
    'stack',
  ],
  // 6. The command line: everything.
  cli: [
    'contracts',
    'protocol',
    'crypto',
    'keystore',
    'answers',
    'policy',
    'attestation',
    'processes',
    'chain',
    'indexer',
    'gateway',
    'mqtt',
    'network',
    'verify',
    'sdk',
    'simulator',
    'stack',
    'demo',
  ],
};

/** Tests and the kits only tests use. */
const testCode = '(\\.test\\.ts$|^src/testing/|/testKit\\.ts$|/mqttTestKit\\.ts$|/fleetFixture\\.ts$)';

const layerRules = Object.entries(layers).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder} may import only ${allowed.length > 0 ? allowed.join(', ') : 'itself'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: `^src/${folder}/`, pathNot: testCode },
  to: { path: '^src/', pathNot: [`^src/(${[folder, ...allowed].join('|')})/`, testCode] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Modules form no cycle: every dependency points one way.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'known-folder',
      comment: 'Every folder of src/ has a place in the layer order (add it to .dependency-cruiser.cjs and docs/architecture.md).',
      severity: 'error',
      from: { path: '^src/', pathNot: [`^src/(${Object.keys(layers).join('|')})/`, testCode] },
      to: {},
    },
    ...layerRules,
    {
      name: 'sdk-is-device-code',
      comment:
        'A device imports only what a device needs: nothing of the gateway, the MQTT server, the chain (reading or writing it), the network, verify or the stack, directly or through another module.',
      severity: 'error',
      from: { path: '^src/sdk/', pathNot: testCode },
      to: { path: '^src/(gateway|mqtt|chain|network|verify|stack|demo|cli|simulator)/', reachable: true },
    },
    {
      name: 'sdk-no-server-packages',
      comment: 'The device SDK pulls in no server package (HTTP server, MQTT broker, SQLite, Anvil).',
      severity: 'error',
      from: { path: '^src/sdk/', pathNot: testCode },
      to: { path: 'node_modules/(fastify|@fastify|aedes|better-sqlite3|pg|@foundry-rs)/', reachable: true },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'Production code imports no test and no test kit.',
      severity: 'error',
      from: { path: '^src/', pathNot: testCode },
      to: { path: testCode },
    },
    {
      name: 'src-stands-alone',
      comment: 'src/ imports nothing from test/, bench/ or scripts/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'declared-dependencies',
      comment: 'Every package src/ imports is declared in package.json.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-dev-dependencies-in-production',
      comment: 'Production code imports only dependencies, not devDependencies (an install without dev packages must run it).',
      severity: 'error',
      from: { path: '^src/', pathNot: testCode },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'resolvable',
      comment: 'Every import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type from a higher layer ties the layers together all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.json'], conditionNames: ['import', 'node', 'default'], exportsFields: ['exports'], mainFields: ['module', 'main', 'types'] },
  },
};

import { Ajv } from 'ajv';

const address = { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' } as const;

const contract = (description: string) => ({ ...address, description }) as const;

/**
 * The JSON schema of `<data-dir>/deployment.json` (type Deployment): what `pythia up` writes and every
 * command reads. docs/deployment.schema.json is this object (`npm run docs:abi` writes both;
 * deployment.test.ts checks it), docs/operations.md, "deployment.json", says it in prose.
 * readDeployment checks a file against it, after the field rules of parseDeployment.
 */
export const deploymentJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://pythia.invalid/schemas/deployment.json',
  title: 'Pythia deployment.json',
  description:
    "Where a Pythia node's chain, contracts and gateway are: written by `pythia up` to <data-dir>/deployment.json (mode 0600), read by every command. Contracts added by later versions are optional so that an older file still reads; `pythia up` adds them.",
  type: 'object',
  required: ['chainId', 'rpcUrl', 'gatewayUrl', 'deploymentBlock', 'contracts', 'roles', 'embeddedChain'],
  additionalProperties: false,
  properties: {
    chainId: {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'The chain id (EIP-155): part of every EIP-712 domain.',
    },
    rpcUrl: {
      type: 'string',
      pattern: '^(https?://|/)',
      description:
        'The JSON-RPC endpoint the node uses: the absolute path of an IPC socket (the embedded chain, `<data dir>/chain/anvil.ipc`, ' +
        "or a local geth node's geth.ipc; 0600, reached by the node's user alone) or an http(s) URL (--rpc-url). Never carries credentials.",
    },
    gatewayUrl: { type: 'string', pattern: '^https?://', description: 'Where the gateway listens (http, or https with --tls-cert).' },
    deploymentBlock: {
      type: 'integer',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'The block of the first contract deployment: where an indexer starts reading events.',
    },
    contracts: {
      type: 'object',
      required: ['fleet'],
      description:
        'Contract addresses. Rules beyond types (checked when read): deviceIdentity and deviceOwnership come together; firmwareRegistry needs them; consentRegistry needs deviceOwnership and policyRegistry; accessLog and feedMarket need consentRegistry; recipientBonds, sharingLog, canaryRegistry and deletionRequests come together and need consentRegistry; recipientTerms needs those four. An unknown key must still be an address (a newer version may add contracts).',
      properties: {
        timelock: contract('TimelockController of the council: DEFAULT_ADMIN_ROLE of every contract with roles (issue #12).'),
        fleet: contract('PythiaFleet: device registry, behaviour profiles, reading inspection.'),
        pythiaRegistry: contract('PythiaRegistry: attested gateway keys.'),
        deviceIdentity: contract('DeviceIdentity: manufacturer provisioning, key rotation, DID documents.'),
        deviceOwnership: contract('DeviceOwnership: one ERC-721 token per device.'),
        firmwareRegistry: contract('FirmwareRegistry: releases, update policies, install reports, paid updates.'),
        policyRegistry: contract('PolicyRegistry: published data-use policies.'),
        consentRegistry: contract("ConsentRegistry: owners' consents, keyed by ownership epochs."),
        accessLog: contract('AccessLog: deliveries and commands under consent.'),
        feedMarket: contract('FeedMarket: time-limited consents sold per stream.'),
        recipientBonds: contract("RecipientBonds: recipients' bonds."),
        sharingLog: contract('SharingLog: onward sharing entries.'),
        canaryRegistry: contract('CanaryRegistry: trap-street canary commitments and claims.'),
        deletionRequests: contract('DeletionRequests: data-deletion requests.'),
        recipientTerms: contract('RecipientTerms: what each recipient accepted, per consent (issue #12).'),
      },
      additionalProperties: address,
    },
    roles: {
      type: 'object',
      required: ['admin', 'operator', 'relayer'],
      additionalProperties: false,
      description: 'Role holders, for display; their encrypted keys are in <data-dir>/keys/.',
      properties: {
        admin: contract("The council's key: proposes to and executes through the timelock."),
        operator: contract('OPERATOR_ROLE: registers devices, sets profiles, suspends and reinstates.'),
        relayer: contract("The gateway's relayer: RELAYER_ROLE, LOGGER_ROLE, COMMITTER_ROLE."),
      },
    },
    embeddedChain: { type: 'boolean', description: 'true when Pythia started the chain itself (the embedded Anvil in <data-dir>/chain).' },
    mqttUrl: {
      type: 'string',
      pattern: '^(mqtts?|wss?)://',
      description: 'The MQTT broker devices connect to, without credentials; absent when MQTT is off.',
    },
  },
} as const;

const validate = new Ajv({ allErrors: false, strict: true }).compile(deploymentJsonSchema);

/** The first way `value` breaks deploymentJsonSchema (`/contracts/fleet must match pattern ...`), or undefined. */
export function deploymentSchemaError(value: unknown): string | undefined {
  if (validate(value)) return undefined;
  const error = validate.errors?.[0];
  if (!error) return 'does not match the deployment schema';
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'root';
  const extra = error.keyword === 'additionalProperties' ? ` (${(error.params as { additionalProperty: string }).additionalProperty})` : '';
  return `${where} ${error.message}${extra}`;
}

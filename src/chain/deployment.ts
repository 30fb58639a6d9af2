import { chmodSync, readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAddress, type Address } from 'viem';
import { chainEndpointError } from './chainTransport.js';
import { deploymentSchemaError } from './deploymentSchema.js';

/** What `pythia up` writes to `<data-dir>/deployment.json`: everything a client needs to find the system. */
export type Deployment = {
  chainId: number;
  rpcUrl: string;
  gatewayUrl: string;
  /** Block in which the first contract was deployed: where indexers start. */
  deploymentBlock: number;
  contracts: {
    /**
     * The council's TimelockController (issue #12): DEFAULT_ADMIN_ROLE of every contract with roles;
     * the admin key schedules and executes through it (docs/operations.md, "Who holds which role").
     * Optional only so that a deployment.json written before it existed still reads.
     */
    timelock?: Address;
    /** Device registry + behaviour profiles + reading inspection. */
    fleet: Address;
    /**
     * Pythia registry (attested gateway keys). Optional only so that a deployment.json written
     * before the registry existed still reads; `pythia up` deploys it into such a deployment.
     */
    pythiaRegistry?: Address;
    /**
     * Device identity (manufacturer provisioning, key rotation, DID documents) and device ownership
     * (one ERC-721 token per device). `pythia up` deploys both with the fleet and wires them to it.
     * Optional only so that a deployment.json written before they existed still reads: a fleet
     * deployed before issue #4 cannot mint device tokens, so such a deployment runs without them.
     */
    deviceIdentity?: Address;
    deviceOwnership?: Address;
    /**
     * Firmware registry (releases per device class, update policies, install reports, paid updates),
     * holding the fleet's INSPECTOR_ROLE. Optional only so that a deployment.json written before it
     * existed still reads; `pythia up` adds it to such a deployment when it has identity and ownership.
     */
    firmwareRegistry?: Address;
    /** Policy registry (issue #5): published data-use policies a consent may name. */
    policyRegistry?: Address;
    /**
     * Consent registry (issue #5): owners' consents over their devices, keyed by ownership epochs.
     * Needs deviceOwnership and policyRegistry. Optional so that older deployment.json files still read.
     */
    consentRegistry?: Address;
    /** Access log (issue #5): deliveries and commands under consent; the relayer holds its LOGGER_ROLE. Needs consentRegistry. */
    accessLog?: Address;
    /**
     * Feed market (issue #5): owners sell time-limited consents to their devices' streams. It grants
     * through the consent registry it was constructed with (read it from the market's `consents()`).
     * Optional: deployments without the consent registry have none.
     */
    feedMarket?: Address;
    /**
     * Accountability (issue #5): recipient bonds, the onward-sharing log, trap-street canaries and
     * data-deletion requests (docs/contracts.md). They read the consent and policy registries; a
     * deployment has either all four or none. Optional so that older deployment.json files still read.
     */
    recipientBonds?: Address;
    sharingLog?: Address;
    canaryRegistry?: Address;
    deletionRequests?: Address;
    /**
     * Recipient terms (issue #12): what each recipient accepted, per consent; the bonds, canaries,
     * deletion requests and feed market of a deployment that has it are the issue #12 ones. A
     * deployment without it predates two-sided terms (`pythia up` deploys a new consent suite).
     */
    recipientTerms?: Address;
  };
  /** Role holders, for display; their keys are in `<data-dir>/keys/`. */
  roles: { admin: Address; operator: Address; relayer: Address };
  /** true when Pythia started the chain itself (embedded Anvil). */
  embeddedChain: boolean;
  /** The MQTT broker devices connect to (docs/protocol.md, "MQTT"), without credentials. Absent when MQTT is off. */
  mqttUrl?: string;
};

export class DeploymentFileError extends Error {}

export function deploymentPath(dataDir: string): string {
  return join(dataDir, 'deployment.json');
}

export function writeDeployment(dataDir: string, deployment: Deployment): void {
  const path = deploymentPath(dataDir);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  // 0600 like every file of the data directory (docs/security.md, "Host").
  writeFileSync(tmp, `${JSON.stringify(deployment, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Reads and validates deployment.json; every field is checked, since the file is outside input. */
export function readDeployment(dataDir: string): Deployment {
  const path = deploymentPath(dataDir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DeploymentFileError(`no deployment at ${path}: run \`pythia up\` first (or pass --data-dir)`);
    throw new DeploymentFileError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseDeployment(raw, path);
}

export function parseDeployment(raw: unknown, source = 'deployment'): Deployment {
  const fail = (field: string, why: string): never => {
    throw new DeploymentFileError(`${source}: ${field} ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('root', 'must be an object');
  const d = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(d.chainId) || (d.chainId as number) <= 0) fail('chainId', 'must be a positive integer');
  const endpointError = chainEndpointError(d.rpcUrl);
  if (endpointError) fail('rpcUrl', endpointError);
  if (typeof d.gatewayUrl !== 'string' || !/^https?:\/\//.test(d.gatewayUrl)) fail('gatewayUrl', 'must be an http(s) URL');
  if (!Number.isSafeInteger(d.deploymentBlock) || (d.deploymentBlock as number) < 0) fail('deploymentBlock', 'must be a block number');
  const contracts = d.contracts as Record<string, unknown> | undefined;
  if (typeof contracts !== 'object' || contracts === null) fail('contracts', 'must be an object');
  for (const [name, address] of Object.entries(contracts!)) {
    if (typeof address !== 'string' || !isAddress(address)) fail(`contracts.${name}`, 'must be an address');
  }
  if (!contracts!.fleet) fail('contracts.fleet', 'is missing');
  if ((contracts!.deviceIdentity === undefined) !== (contracts!.deviceOwnership === undefined)) {
    fail('contracts.deviceIdentity', 'and contracts.deviceOwnership come together (both or neither)');
  }
  if (contracts!.firmwareRegistry !== undefined && contracts!.deviceOwnership === undefined) {
    fail('contracts.firmwareRegistry', 'needs contracts.deviceIdentity and contracts.deviceOwnership');
  }
  if (contracts!.consentRegistry !== undefined && (contracts!.deviceOwnership === undefined || contracts!.policyRegistry === undefined)) {
    fail('contracts.consentRegistry', 'needs contracts.deviceOwnership and contracts.policyRegistry');
  }
  if (contracts!.accessLog !== undefined && contracts!.consentRegistry === undefined) {
    fail('contracts.accessLog', 'needs contracts.consentRegistry');
  }
  if (contracts!.feedMarket !== undefined && contracts!.consentRegistry === undefined) {
    fail('contracts.feedMarket', 'needs contracts.consentRegistry');
  }
  const accountability = ['recipientBonds', 'sharingLog', 'canaryRegistry', 'deletionRequests'] as const;
  const present = accountability.filter((name) => contracts![name] !== undefined);
  if (present.length !== 0 && contracts!.consentRegistry === undefined) fail(`contracts.${present[0]}`, 'needs contracts.consentRegistry');
  if (present.length !== 0 && present.length !== accountability.length) {
    fail(
      `contracts.${accountability.find((name) => contracts![name] === undefined)}`,
      `is missing: ${accountability.join(', ')} come together`,
    );
  }
  if (contracts!.recipientTerms !== undefined && present.length !== accountability.length) {
    fail('contracts.recipientTerms', `needs ${accountability.join(', ')}`);
  }
  const roles = d.roles as Record<string, unknown> | undefined;
  if (typeof roles !== 'object' || roles === null) fail('roles', 'must be an object');
  for (const role of ['admin', 'operator', 'relayer']) {
    if (typeof roles![role] !== 'string' || !isAddress(roles![role] as string)) fail(`roles.${role}`, 'must be an address');
  }
  if (typeof d.embeddedChain !== 'boolean') fail('embeddedChain', 'must be true or false');
  if (d.mqttUrl !== undefined && (typeof d.mqttUrl !== 'string' || !/^(mqtts?|wss?):\/\//.test(d.mqttUrl))) {
    fail('mqttUrl', 'must be an mqtt(s):// or ws(s):// URL');
  }
  // The documented schema (docs/deployment.schema.json) last: it also refuses keys it does not know.
  const schemaError = deploymentSchemaError(raw);
  if (schemaError) throw new DeploymentFileError(`${source}: ${schemaError}`);
  return d as Deployment;
}

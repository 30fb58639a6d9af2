import { Ajv, type ValidateFunction } from 'ajv';
import { deploymentJsonSchema } from '../chain/deploymentSchema.js';
import { measurementStatusNames, pythiaStatusNames, teeTypeNames } from '../chain/pythiaRegistry.js';
import { tcbStatuses } from '../attestation/index.js';
import { confirmedCommands } from './confirm.js';
import { failureCodes, failureJsonSchema } from './failure.js';
import { eventLineJsonSchema } from './eventLineSchema.js';

/**
 * The `--json` output of `pythia` commands, as JSON schemas keyed by the command (`device show`):
 * docs/cli.md is generated from this table (`npm run docs:abi`), jsonOutputSchemas.test.ts checks
 * that every key is a real command with --json, and the end-to-end tests check every --json output
 * they read against its schema (test/e2e/runPythia.ts). Conventions of every output: integers that
 * may exceed 2^53 (wei amounts, block numbers, epochs, uint64 counters) are decimal strings;
 * addresses are 0x and 40 hex digits; a transaction is named by `transactionHash` and `blockNumber`.
 */
type JsonSchema = Record<string, unknown>;

const address = { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' } as const;
const bytes32 = { type: 'string', pattern: '^0x[0-9a-f]{64}$' } as const;
const hex = { type: 'string', pattern: '^0x([0-9a-fA-F]{2})*$' } as const;
const decimal = { type: 'string', pattern: '^(0|[1-9][0-9]*)$', description: 'a non-negative integer as a decimal string' } as const;
const integer = { type: 'integer' } as const;
const unixSeconds = { type: 'integer', minimum: 0, description: 'Unix seconds' } as const;
const nullable = (schema: JsonSchema) => ({ anyOf: [schema, { type: 'null' }] });
const transaction = { transactionHash: bytes32, blockNumber: decimal } as const;
const deviceStatus = { type: 'string', enum: ['none', 'active', 'suspended', 'revoked'] } as const;

/** An object with exactly these properties; `optional` may be absent. */
function object(required: Record<string, unknown>, optional: Record<string, unknown> = {}, description?: string): JsonSchema {
  return {
    type: 'object',
    ...(description && { description }),
    required: Object.keys(required),
    additionalProperties: false,
    properties: { ...required, ...optional },
  };
}

const profile = object({
  metricCount: integer,
  maxPayloadBytes: integer,
  minInterval: integer,
  maxClockSkew: integer,
  flagThreshold: integer,
  flagWindow: integer,
  suspensionsBeforeRevoke: integer,
  minValue: { type: 'array', items: integer },
  maxValue: { type: 'array', items: integer },
  maxDelta: { type: 'array', items: integer },
});

const deviceStatusChange = object(
  { device: address, status: deviceStatus, ...transaction },
  {},
  'The device and its status after the transaction.',
);

const nodeRole = { type: 'string', enum: ['validator', 'observer'] } as const;
const signerVote = object({ address, vote: { type: 'string', enum: ['add', 'remove'] } });
const networkNode = object(
  {
    name: { type: 'string' },
    role: nodeRole,
    dir: { type: 'string', description: 'the node folder, relative to the network folder' },
    host: { type: 'string' },
    ports: {
      ...object({ p2p: integer, http: integer, authrpc: integer }),
      description:
        'p2p: peers; http: an observer’s JSON-RPC on 127.0.0.1 (a validator opens none: its key is unlocked); authrpc: the engine API',
    },
    enode: { type: 'string', pattern: '^enode://[0-9a-f]{128}@' },
  },
  { address: { ...address, description: 'the Clique signer (validators only)' } },
);

const bondState = {
  recipient: address,
  bond: decimal,
  pending: decimal,
  availableAt: unixSeconds,
  held: decimal,
  lockedUntil: unixSeconds,
  claimable: decimal,
};

const claimStatus = { type: 'string', enum: ['none', 'open', 'disputed', 'upheld', 'rejected'] } as const;

const canaryClaim = object(
  {
    commitment: bytes32,
    consentId: decimal,
    committedAt: unixSeconds,
    claimedAt: unixSeconds,
    deliveryKey: bytes32,
    deliveredAt: unixSeconds,
    claim: object({
      status: claimStatus,
      disputeDeadline: unixSeconds,
      disputedAt: unixSeconds,
      leakedTo: address,
      holdId: decimal,
      penalty: decimal,
      evidenceHash: bytes32,
      answerHash: bytes32,
    }),
  },
  {},
  'A canary commitment (committedAt 0: unknown) and its leak claim (status none: no claim).',
);

const givenCanary = object({
  recipient: address,
  consentId: decimal,
  device: address,
  stream: integer,
  value: integer,
  sequence: decimal,
  salt: hex,
  commitment: bytes32,
  givenAt: { type: 'string' },
  delivery: nullable(
    object({ consentId: decimal, device: address, recipient: address, streams: integer, readings: integer, dataHash: bytes32 }),
  ),
});

const deletionRequest = object({
  requestId: decimal,
  consentId: decimal,
  owner: address,
  recipient: address,
  devices: { type: 'array', items: address },
  streams: integer,
  automatic: { type: 'boolean' },
  status: { type: 'string', enum: ['none', 'pending', 'acknowledged', 'penalised'] },
  fromTime: unixSeconds,
  toTime: unixSeconds,
  deadline: unixSeconds,
  requestedAt: unixSeconds,
  closedAt: unixSeconds,
  evidenceHash: bytes32,
});

/** formatTime: ISO 8601 UTC, or '-' for 0 (never). */
const isoTime = { type: 'string', pattern: '^(-|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)$' } as const;
const consentStatus = { type: 'string', enum: ['live', 'revoked', 'expired', 'not-yet-valid', 'ownership-changed'] } as const;
const names = { type: 'array', items: { type: 'string' } } as const;
const demoAccountabilityStep = object({ step: { type: 'string' }, expected: { type: 'string' }, recorded: { type: 'string' } });
const counts = { type: 'object', description: 'how many, by reason', additionalProperties: integer } as const;

const consentView = object({
  consentId: decimal,
  status: consentStatus,
  owner: address,
  recipient: address,
  grantedBy: address,
  devices: { type: 'array', items: object({ device: address, epoch: decimal, currentEpoch: decimal, applies: { type: 'boolean' } }) },
  streams: names,
  commands: names,
  purpose: { type: 'string' },
  policyId: bytes32,
  start: isoTime,
  expiry: isoTime,
  grantedAt: isoTime,
  revokedAt: nullable(isoTime),
  termsHash: bytes32,
  transactionHash: bytes32,
});

const recipientTerms = {
  consentId: decimal,
  consentTermsHash: bytes32,
  policyId: bytes32,
  penaltyWei: decimal,
  deletionPeriod: decimal,
  claimWindow: decimal,
  disputeWindow: decimal,
  maxDeletionRequests: integer,
};

const termsView = {
  ...recipientTerms,
  recipient: address,
  owner: address,
  accepted: { type: 'boolean' },
  acceptedAt: nullable(isoTime),
  claimsUntil: isoTime,
};

const feedInfo = object({
  feedId: decimal,
  owner: address,
  devices: { type: 'array', items: address },
  streams: integer,
  streamNames: names,
  price: decimal,
  period: decimal,
  open: { type: 'boolean' },
  offeredAt: decimal,
  sales: decimal,
  policyId: bytes32,
  purpose: { type: 'string' },
});

const teeType = { type: 'string', enum: teeTypeNames.filter((t) => t !== 'none') } as const;

const pythiaRegistration = (extra: Record<string, unknown>) =>
  object(
    { key: address, attested: { type: 'boolean' }, ...transaction, ...extra },
    {
      teeType,
      measurement: hex,
      tcbStatus: { type: 'string', enum: [...tcbStatuses] },
      evidenceHash: bytes32,
      evidenceUri: { type: 'string' },
    },
  );

const policyTerms = object({
  onwardSharing: { type: 'boolean' },
  notifyOwner: { type: 'boolean' },
  deleteOnRevoke: { type: 'boolean' },
  retentionSeconds: decimal,
  deletionPeriodSeconds: decimal,
  penaltyWei: decimal,
  minimumBondWei: decimal,
});

const policyVersion = object({
  policyId: bytes32,
  policyKey: bytes32,
  name: { type: 'string' },
  version: integer,
  publisher: address,
  contentHash: bytes32,
  publishedAt: decimal,
  terms: policyTerms,
  uri: { type: 'string' },
});

/** What every policy command prints, with --json, for a document that does not validate (and exits 1). */
const invalidPolicy = object({
  file: { type: 'string' },
  valid: { const: false },
  errors: {
    type: 'array',
    items: {
      type: 'object',
      required: ['message', 'path', 'line', 'column'],
      properties: { message: { type: 'string' }, path: { type: 'string' }, line: integer, column: integer },
    },
  },
});

const orInvalidPolicy = (schema: JsonSchema) => ({ anyOf: [schema, invalidPolicy] });

const firmwareRelease = object({
  releaseId: bytes32,
  classId: integer,
  sequence: decimal,
  digest: bytes32,
  size: decimal,
  location: { type: 'string' },
  issuedAt: decimal,
  revoked: { type: 'boolean' },
  revokedReason: nullable({ type: 'string' }),
  blockNumber: decimal,
});

const updatePolicy = { type: 'string', enum: ['approve-each', 'automatic'] } as const;

const adminRoleChange = object({
  operationId: bytes32,
  contract: { type: 'string' },
  role: { type: 'string' },
  account: address,
  delay: integer,
  executed: { type: 'boolean' },
  scheduleTransaction: bytes32,
  executeTransaction: nullable(bytes32),
});

export const jsonOutputSchemas: Record<string, { description: string; schema: JsonSchema }> = {
  up: {
    description: 'The deployment, once the node is up: what deployment.json holds (docs/deployment.schema.json).',
    schema: (({ $schema: _s, $id: _i, ...rest }) => rest)(deploymentJsonSchema as unknown as JsonSchema),
  },
  watch: {
    description:
      'One JSON line per event, live (not one document): flags, status changes, the chain going back below a told block, refusals by reason, relayer and gateway warnings (docs/operations.md, "What the node tells"). `pythia up --log-format json` prints the same lines.',
    schema: eventLineJsonSchema as unknown as JsonSchema,
  },
  'key new': {
    description: 'The new key’s address and the file it was written to (encrypted, mode 0600).',
    schema: object({ address, keyFile: { type: 'string' } }),
  },
  'key address': {
    description: 'The address the key file records.',
    schema: object({ address, keyFile: { type: 'string' } }),
  },
  fund: {
    description:
      'The transfer (wei) from the payer `from` (the node’s operator account, or the --signer-key account) and the funded account’s balance after it (wei).',
    schema: object({ address, amount: decimal, from: address, balance: decimal, ...transaction }),
  },
  simulate: {
    description:
      'What became of the simulated readings: acknowledged by the gateway (`sent`), the chain’s final verdicts, refusals by reason (`chain:` for the contract’s), and those not final when the wait ended.',
    schema: object({
      classId: integer,
      devices: { type: 'array', items: address },
      registrationTransaction: nullable(bytes32),
      sent: integer,
      refused: { type: 'object', additionalProperties: integer },
      accepted: integer,
      flagged: integer,
      flags: { type: 'object', additionalProperties: integer },
      pending: integer,
    }),
  },
  'device register': {
    description: 'The devices registered from the requests, in one transaction (`device` too when there is one).',
    schema: object({ devices: { type: 'array', items: address, minItems: 1 }, classId: integer, ...transaction }, { device: address }),
  },
  'device keygen': {
    description: 'The new device id, its public key, and where the key and the registration request were written.',
    schema: object({ device: address, publicKey: hex, keyFile: { type: 'string' }, request: { type: 'string' } }),
  },
  'device show': {
    description: 'A device as the fleet contract holds it.',
    schema: object({
      device: address,
      status: deviceStatus,
      classId: integer,
      hasOwnProfile: { type: 'boolean' },
      lastSequence: decimal,
      lastTimestamp: unixSeconds,
      lastValues: { type: 'array', items: integer },
      flags: integer,
      flagsInWindow: integer,
      autoSuspensions: integer,
      publicKey: hex,
    }),
  },
  'device list': {
    description: 'Every registered device (filtered by --status), in registration order.',
    schema: {
      type: 'array',
      items: object({ device: address, classId: integer, status: deviceStatus, lastSequence: decimal, flags: integer }),
    },
  },
  'device suspend': { description: 'The device, now suspended.', schema: deviceStatusChange },
  'device reinstate': { description: 'The device, active again.', schema: deviceStatusChange },
  'device revoke': { description: 'The device, revoked for good.', schema: deviceStatusChange },
  'device revoke-key': { description: 'The device whose key was compromised, now revoked.', schema: deviceStatusChange },
  'device owner': {
    description: 'Who owns the device, in which ownership epoch, any pending offer, and whether the device acknowledged its owner.',
    schema: object({
      device: address,
      owner: nullable(address),
      epoch: decimal,
      pendingOffer: nullable(address),
      acknowledgedEpoch: decimal,
      acknowledged: { type: 'boolean' },
    }),
  },
  'device transfer': {
    description: 'The offer made: the owner and the party it names.',
    schema: object({ device: address, owner: address, pendingOffer: address, ...transaction }),
  },
  'device cancel-transfer': {
    description: 'The offer withdrawn.',
    schema: object({ device: address, pendingOffer: { type: 'null' }, ...transaction }),
  },
  'device accept': {
    description: 'The new owner and the new ownership epoch.',
    schema: object({ device: address, owner: address, epoch: decimal, ...transaction }),
  },
  'device rotate-key': {
    description: 'The device id (unchanged), the key it signed with before and the one it signs with now.',
    schema: object({ device: address, previousSigner: address, signer: address, rotation: decimal, ...transaction }),
  },
  'device provision': {
    description: 'The devices provisioned for a class, each with the manufacturer’s EIP-712 provenance signature.',
    schema: object({
      classId: integer,
      manufacturer: address,
      devices: { type: 'array', items: object({ device: address, provenanceSignature: hex }) },
      ...transaction,
    }),
  },
  'device did': {
    description:
      'The DID resolution result of the device (docs/protocol.md, "Device identity (DID)"): the W3C DID document and Pythia’s metadata read from the chain.',
    schema: object({
      didDocument: {
        type: 'object',
        required: ['@context', 'id', 'verificationMethod', 'authentication', 'assertionMethod'],
        properties: {
          '@context': { type: 'array', items: { type: 'string' } },
          id: { type: 'string', pattern: '^did:pythia:[0-9]+:0x[0-9a-fA-F]{40}$' },
          controller: { type: 'string' },
          verificationMethod: { type: 'array' },
          authentication: { type: 'array', items: { type: 'string' } },
          assertionMethod: { type: 'array', items: { type: 'string' } },
          service: { type: 'array' },
        },
      },
      didDocumentMetadata: {
        type: 'object',
        required: ['deactivated', 'pythia'],
        properties: {
          deactivated: { type: 'boolean' },
          pythia: {
            type: 'object',
            required: ['deviceId', 'status', 'classId', 'publicKey', 'signer', 'owner', 'ownershipEpoch', 'keyRotations'],
            properties: {
              deviceId: address,
              status: deviceStatus,
              classId: integer,
              publicKey: hex,
              signer: address,
              owner: nullable(address),
              manufacturer: nullable(address),
              ownershipEpoch: decimal,
              acknowledgedEpoch: decimal,
              ownerAcknowledged: { type: 'boolean' },
              keyRotations: decimal,
            },
          },
        },
      },
      didResolutionMetadata: object({ contentType: { const: 'application/did+ld+json' } }),
    }),
  },
  'manufacturer assign': {
    description:
      'The assignment of a class to a manufacturer, scheduled on the council’s timelock (only the timelock assigns manufacturers) and executed at once when its delay is 0 (`executed`, `executeTransaction`); otherwise `pythia admin execute <operationId>` once ready.',
    schema: object({
      classId: integer,
      manufacturer: address,
      operationId: bytes32,
      delay: integer,
      executed: { type: 'boolean' },
      scheduleTransaction: bytes32,
      executeTransaction: nullable(bytes32),
    }),
  },
  'manufacturer show': {
    description: 'The manufacturer of a class, null when none is assigned.',
    schema: object({ classId: integer, manufacturer: nullable(address) }),
  },
  'profile set': {
    description: 'The profile set, for a class (`kind` class, `classId`) or one device (`kind` device, `device`).',
    schema: object(
      { kind: { type: 'string', enum: ['class', 'device'] }, profile, transactionHash: bytes32 },
      { classId: integer, device: address },
    ),
  },
  'profile show': {
    description: 'The profile of a class, or the one in force for a device (`own`: its own, not its class’s), with its version.',
    schema: object({ version: integer, profile }, { classId: integer, device: address, own: { type: 'boolean' } }),
  },
  'bond deposit': {
    description: 'The amount deposited (wei) and the recipient’s bond after it.',
    schema: object({ recipient: address, deposited: decimal, bond: decimal, ...transaction }),
  },
  'bond withdraw-request': {
    description: 'The amount now unbonding (wei) and when it can be withdrawn.',
    schema: object({ recipient: address, pending: decimal, availableAt: unixSeconds, ...transaction }),
  },
  'bond withdraw': {
    description: 'The amount withdrawn (wei).',
    schema: object({ recipient: address, withdrawn: decimal, ...transaction }),
  },
  'bond claim': {
    description: 'Penalties paid out to the owner (wei).',
    schema: object({ owner: address, claimed: decimal, ...transaction }),
  },
  'bond show': {
    description:
      'A recipient’s bond (wei): counted, unbonding (and from when), held for contested claims, locked until, and penalties credited to it as an owner.',
    schema: object(bondState),
  },
  'consent grant': {
    description: 'The consent granted: its id, the hash of its terms, and what it covers.',
    schema: object({
      consentId: decimal,
      termsHash: bytes32,
      hash: bytes32,
      blockNumber: decimal,
      owner: address,
      recipient: address,
      streams: names,
      commands: names,
    }),
  },
  'consent revoke': {
    description:
      'One consent revoked (`consentId`, `hash`), or with --recipient every live consent given to it (`revoked` ids, newest first, one transaction per page of 32).',
    schema: {
      anyOf: [
        object({ consentId: decimal, hash: bytes32, blockNumber: decimal }),
        object({
          recipient: address,
          revoked: { type: 'array', items: decimal },
          hashes: { type: 'array', items: bytes32 },
          blockNumber: decimal,
          count: integer,
        }),
      ],
    },
  },
  'consent terms': {
    description: 'What a consent’s recipient accepts (or accepted): penalty (wei), periods (seconds), and whether and when it accepted.',
    schema: object(termsView),
  },
  'consent accept': {
    description:
      'The terms after the recipient accepted them; with --sign-only the signed acceptance instead (terms, deadline, signature); with --signed the consent and the transaction.',
    schema: {
      anyOf: [
        object({ ...termsView, ...transaction }),
        object({ ...recipientTerms, deadline: decimal, signature: hex }),
        object({ consentId: decimal, ...transaction }),
      ],
    },
  },
  'consent list': { description: 'The consents asked for, as `consent show` gives each.', schema: { type: 'array', items: consentView } },
  'consent show': {
    description:
      'A consent as the registry holds it, with its status now and, per device, whether it still applies (same ownership epoch).',
    schema: consentView,
  },
  'consent receipt': {
    description:
      'With --out, where the receipt was written and the terms hash it carries; without, the receipt itself (Kantara Consent Receipt v1.1 with a `pythia` part: docs/api.md, GET /v1/consents/{consentId}/receipt).',
    schema: {
      anyOf: [
        object({ consentId: decimal, out: { type: 'string' }, termsHash: bytes32 }),
        {
          type: 'object',
          required: ['version', 'jurisdiction', 'consentTimestamp', 'pythia'],
          properties: {
            version: { type: 'string' },
            jurisdiction: { type: 'string' },
            consentTimestamp: unixSeconds,
            pythia: { type: 'object' },
          },
        },
      ],
    },
  },
  'consent verify-receipt': {
    description: 'Whether a receipt’s terms hash to what the chain holds, why not, and the consent’s status now.',
    schema: object({
      valid: { type: 'boolean' },
      problems: names,
      recomputedTermsHash: bytes32,
      chainTermsHash: nullable(bytes32),
      status: nullable(consentStatus),
      revokedAt: nullable({ type: 'string' }),
      expired: { type: 'boolean' },
      ownershipChanged: { type: 'array', items: address },
      checkedAt: nullable(object({ blockNumber: decimal, timestamp: decimal })),
    }),
  },
  'feed offer': {
    description:
      'The feed offered: devices, streams (bitmask), price per period (wei), period (seconds); `grantAgentApproved` names the approval of the market as grant agent when this offer made it.',
    schema: object({
      feedId: decimal,
      owner: address,
      devices: { type: 'array', items: address },
      streams: integer,
      price: decimal,
      period: integer,
      purpose: { type: 'string' },
      policyId: nullable(bytes32),
      grantAgentApproved: nullable(object({ registry: address, transactionHash: bytes32 })),
      ...transaction,
    }),
  },
  'feed list': {
    description: 'The feeds asked for (prices in wei, periods and times in seconds).',
    schema: { type: 'array', items: feedInfo },
  },
  'feed show': { description: 'One feed.', schema: feedInfo },
  'feed buy': {
    description: 'The purchase: the consent it granted the buyer, its window (Unix seconds) and the price paid (wei).',
    schema: object({
      feedId: decimal,
      buyer: address,
      consentId: decimal,
      purchaseId: decimal,
      price: decimal,
      start: unixSeconds,
      expiry: unixSeconds,
      ...transaction,
    }),
  },
  'feed purchases': {
    description: 'Purchases, with what was released to the owner and refunded to the buyer (wei) and when each ends.',
    schema: {
      type: 'array',
      items: object({
        purchaseId: decimal,
        feedId: decimal,
        buyer: address,
        owner: address,
        consentId: decimal,
        start: unixSeconds,
        expiry: unixSeconds,
        end: unixSeconds,
        price: decimal,
        released: decimal,
        refunded: decimal,
        settled: { type: 'boolean' },
      }),
    },
  },
  'feed settle': {
    description: 'The purchases settled and the amounts released and refunded (wei); no transaction when there was nothing to settle.',
    schema: object({ settled: { type: 'array', items: decimal }, released: decimal, refunded: decimal }, transaction),
  },
  'feed refund': { description: 'The refund withdrawn (wei).', schema: object({ buyer: address, amount: decimal, ...transaction }) },
  'feed price': { description: 'The feed’s new price (wei).', schema: object({ feedId: decimal, price: decimal, ...transaction }) },
  'feed close': { description: 'The feed closed.', schema: object({ feedId: decimal, open: { const: false }, ...transaction }) },
  'feed withdraw': { description: 'The earnings withdrawn (wei).', schema: object({ owner: address, amount: decimal, ...transaction }) },
  'feed earnings': { description: 'What the owner may withdraw (wei).', schema: object({ owner: address, amount: decimal }) },
  'pythia register': {
    description:
      'The Pythia key registered; with evidence, the TEE, its measurement, the TCB status the quote verified with, and the evidence’s hash and URI.',
    schema: pythiaRegistration({}),
  },
  'pythia rotate': { description: 'As `pythia register`, plus the key it replaces.', schema: pythiaRegistration({ previousKey: address }) },
  'pythia show': {
    description:
      'A Pythia key as the registry holds it, and whether a device trusts it now (accepting unattested keys, or requiring attestation).',
    schema: object({
      key: address,
      status: { type: 'string', enum: [...pythiaStatusNames] },
      teeType: { type: 'string', enum: [...teeTypeNames] },
      attested: { type: 'boolean' },
      trusted: { type: 'boolean' },
      trustedAttested: { type: 'boolean' },
      measurement: nullable(hex),
      measurementKey: nullable(hex),
      measurementStatus: nullable({ type: 'string', enum: [...measurementStatusNames] }),
      evidenceHash: nullable(bytes32),
      evidenceUri: { type: 'string' },
      publicKey: nullable(hex),
      registrar: nullable(address),
      registeredAt: unixSeconds,
      revokedAt: unixSeconds,
      successor: nullable(address),
      relayer: nullable(address),
    }),
  },
  'pythia revoke': {
    description: 'The key, now revoked.',
    schema: object({ key: address, status: { type: 'string', enum: [...pythiaStatusNames] }, ...transaction }),
  },
  'pythia bind-relayer': {
    description: 'The relayer now bound to the key.',
    schema: object({ key: address, relayer: address, ...transaction }),
  },
  'pythia approve-measurement': {
    description: 'A TEE measurement approved.',
    schema: object({ teeType, measurement: hex, status: { const: 'approved' }, ...transaction }),
  },
  'pythia revoke-measurement': {
    description: 'A TEE measurement revoked.',
    schema: object({ teeType, measurement: hex, status: { const: 'revoked' }, ...transaction }),
  },
  'policy validate': {
    description:
      'A valid document: its name, rule count, content hash and the terms contracts enforce; an invalid one: its errors (exit 1).',
    schema: orInvalidPolicy(
      object({
        file: { type: 'string' },
        valid: { const: true },
        name: { type: 'string' },
        rules: integer,
        contentHash: bytes32,
        terms: policyTerms,
      }),
    ),
  },
  'policy publish': {
    description:
      'The version published (its id, number, content hash, URI and terms) and what became of the copy sent to the gateway (`stored`, `skipped`, or why not).',
    schema: orInvalidPolicy(
      object({
        policyId: bytes32,
        name: { type: 'string' },
        version: integer,
        publisher: address,
        contentHash: bytes32,
        uri: { type: 'string' },
        terms: policyTerms,
        gatewayUpload: { type: 'string' },
        ...transaction,
      }),
    ),
  },
  'policy show': { description: 'One published policy version.', schema: policyVersion },
  'policy list': { description: 'Published policy versions.', schema: { type: 'array', items: policyVersion } },
  'policy verify': {
    description: 'Whether a document matches a published version (exit 1 when not), and each mismatch.',
    schema: orInvalidPolicy(
      object({
        policyId: bytes32,
        file: { type: 'string' },
        matches: { type: 'boolean' },
        contentHash: bytes32,
        chain: policyVersion,
        mismatches: names,
      }),
    ),
  },
  'policy evaluate': {
    description: 'The decision of the evaluator the gateway uses, the rule that decided, why, and the obligations of a permit.',
    schema: orInvalidPolicy(
      object({
        decision: { type: 'string', enum: ['permit', 'deny', 'not-applicable'] },
        ruleId: nullable({ type: 'string' }),
        reasons: names,
        obligations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['kind'],
            properties: {
              kind: {
                type: 'string',
                enum: ['notify-owner', 'retain-at-most', 'delete-on-revoke', 'no-onward-sharing', 'log-onward-share'],
              },
              days: integer,
              withinDays: integer,
            },
            additionalProperties: false,
          },
        },
      }),
    ),
  },
  'firmware keys set': {
    description: 'A class’s release keys and how many of them must sign a release.',
    schema: object({ classId: integer, keys: { type: 'array', items: address }, threshold: integer, ...transaction }),
  },
  'firmware keys show': {
    description: 'A class’s release keys (keysVersion 0: none yet), its latest sequence, bounds and payee.',
    schema: object({
      classId: integer,
      keys: { type: 'array', items: address },
      threshold: integer,
      keysVersion: decimal,
      latestSequence: decimal,
      maxSequenceStep: decimal,
      maxManifestAge: integer,
      payee: address,
    }),
  },
  'firmware publish': {
    description: 'The release published: its id, its manifest and the release keys that signed it.',
    schema: object({
      releaseId: bytes32,
      classId: integer,
      sequence: decimal,
      digest: bytes32,
      size: decimal,
      location: { type: 'string' },
      issuedAt: decimal,
      signers: { type: 'array', items: address },
      ...transaction,
    }),
  },
  'firmware revoke': {
    description: 'The release revoked, and why.',
    schema: object({ releaseId: bytes32, revoked: { const: true }, reason: { type: 'string' }, ...transaction }),
  },
  'firmware list': { description: 'Releases, oldest first.', schema: { type: 'array', items: firmwareRelease } },
  'firmware approve': {
    description: 'The owner’s approval of a release for a device (approved false: withdrawn).',
    schema: object({ device: address, releaseId: bytes32, approved: { type: 'boolean' }, ...transaction }),
  },
  'firmware policy': {
    description: 'A device’s update policy, as its owner set it.',
    schema: object({ device: address, policy: updatePolicy, ...transaction }),
  },
  'firmware status': {
    description:
      'The firmware a device last reported installed (0: none), its last report nonce, its update policy and open paid-update escrows.',
    schema: object({
      device: address,
      installedSequence: decimal,
      lastNonce: decimal,
      policy: updatePolicy,
      openEscrows: { type: 'array', items: decimal },
    }),
  },
  'firmware fund': {
    description: 'A paid update held in escrow (wei) until the device reports it installed, or the deadline.',
    schema: object({ device: address, releaseId: bytes32, escrowId: decimal, value: decimal, deadline: unixSeconds, ...transaction }),
  },
  'firmware reclaim': { description: 'An escrow reclaimed by its funder.', schema: object({ escrowId: decimal, ...transaction }) },
  'firmware withdraw': {
    description: 'What the registry owed the account, withdrawn.',
    schema: object({ account: address, ...transaction }),
  },
  ask: {
    description:
      'The Pythia’s answer, verified on the device side (docs/protocol.md, "Signed answers"): the question, its parameters and answer (shaped by the question), the block it was read at, and the key that signed.',
    schema: object({
      question: { type: 'string' },
      questionId: integer,
      params: { type: 'object' },
      answer: { type: 'object' },
      blockNumber: decimal,
      blockHash: bytes32,
      time: unixSeconds,
      chainId: integer,
      signer: address,
    }),
  },
  'bundle create': {
    description:
      'The provisioning bundle written for devices (docs/sdk-and-simulator.md): chain, contracts, trusted Pythia keys, attestation policy, freshness, gateways; on a Clique chain its genesis validators and epoch (clique, for chain proofs).',
    schema: object(
      {
        version: { const: 1 },
        chainId: integer,
        contracts: object(
          { fleet: address },
          { pythiaRegistry: address, deviceOwnership: address, firmwareRegistry: address, consentRegistry: address },
        ),
        pythiaKeys: {
          type: 'array',
          items: object({ address, publicKey: hex, attested: { type: 'boolean' } }, { measurement: hex, revoked: { type: 'boolean' } }),
        },
        attestationPolicy: object({ requireAttested: { type: 'boolean' } }, { allowedMeasurements: { type: 'array', items: hex } }),
        freshness: object({ maxAgeSeconds: integer, maxAgeBlocks: integer }),
        gatewayUrls: names,
      },
      { clique: object({ epoch: integer, validators: { type: 'array', items: address } }) },
    ),
  },
  'command send': {
    description:
      'The command the gateway relayed (docs/api.md, POST /v1/devices/{id}/commands): its id, the consent it went under, its args, whether it was published to the device, when the gateway received it, its AccessLog entry so far, and the signed nonce and expiry.',
    schema: object({
      id: bytes32,
      device: address,
      recipient: address,
      consentId: decimal,
      command: integer,
      commandName: { type: 'string' },
      args: hex,
      receivedAt: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' },
      status: { type: 'string', enum: ['accepted', 'published'] },
      checkedAtBlock: integer,
      log: nullable(
        object({
          actionId: integer,
          status: { type: 'string' },
          txHash: nullable(bytes32),
          blockNumber: nullable(integer),
          error: nullable({ type: 'string' }),
        }),
      ),
      nonce: decimal,
      expiresAt: decimal,
    }),
  },
  'admin grant': {
    description:
      'A role change scheduled on the council’s timelock, and executed at once when its delay is 0 (`executed`, `executeTransaction`); otherwise `pythia admin execute <operationId>` once ready.',
    schema: adminRoleChange,
  },
  'admin revoke': {
    description: 'As `admin grant`, for revoking the role.',
    schema: adminRoleChange,
  },
  'admin operations': {
    description: 'Operations scheduled on the timelock, with their state and calls (readyAt: Unix seconds; 0 unset, 1 done).',
    schema: {
      type: 'array',
      items: object({
        operationId: bytes32,
        state: { type: 'string', enum: ['unset', 'waiting', 'ready', 'done'] },
        readyAt: unixSeconds,
        calls: { type: 'array', items: object({ target: address, value: decimal, data: hex }) },
        salt: bytes32,
      }),
    },
  },
  'admin execute': { description: 'A ready operation executed.', schema: object({ operationId: bytes32, ...transaction }) },
  demo: {
    description:
      'The summary of the demonstration (README, “What the demonstration shows”): readings sent, acknowledged and decided (counts by reason), the devices suspended, reinstated and revoked, each attack and whether it was stopped, the data shared under consent, the second act (a sensor checks its Pythia’s signed answers, installs an approved firmware release, changes owner and the old owner’s consent dies), the accountability act (terms accepted, a trap-street canary leaked, the claim disputed and ruled on), and every reading compared with its expected outcome. A run with anything unexpected exits 1 and prints the same document.',
    schema: object(
      {
        consoleUrl: {
          type: 'string',
          description:
            'the council console with its login token in the fragment (`<gateway>/console/#token=…`), served until the demo is interrupted unless `--no-console`',
        },
        chainId: integer,
        fleetAddress: address,
        durationSeconds: integer,
        devices: integer,
        seed: {
          type: 'integer',
          description:
            'the simulated fleet’s seed: `--seed`, or the next one whose sensors the chain does not hold yet when an earlier run of the kept `--data-dir` registered them',
        },
        readings: object({
          sentToGateway: integer,
          acknowledged: integer,
          accepted: integer,
          flagged: integer,
          flaggedByReason: counts,
          rejectedAtGateway: integer,
          rejectedAtGatewayByReason: counts,
          skippedOnChain: integer,
          skippedOnChainByReason: counts,
        }),
        devicesSuspended: {
          type: 'array',
          items: object({ device: address, by: { type: 'string' }, reason: { type: 'string' }, ...transaction }),
        },
        devicesReinstated: {
          type: 'array',
          items: object({ device: address, reason: { type: 'string' }, transactionHash: bytes32 }),
        },
        devicesRevoked: {
          type: 'array',
          items: object({ device: address, by: { type: 'string' }, reason: { type: 'string' }, ...transaction }),
        },
        attacks: {
          type: 'array',
          items: object({
            name: { type: 'string' },
            description: { type: 'string' },
            expectedOutcome: { type: 'string' },
            devices: { type: 'array', items: address },
            observed: { type: 'boolean' },
            notes: names,
          }),
        },
        finalStatus: { type: 'object', additionalProperties: { type: 'string' } },
        names: { type: 'object', description: 'each device’s site, by device id', additionalProperties: { type: 'string' } },
        unexpected: names,
        outcomes: object({
          submissions: integer,
          matched: integer,
          byKind: { type: 'array', items: object({ kind: { type: 'string' }, expected: integer, recorded: integer }) },
          mismatches: {
            type: 'array',
            items: object({
              source: { type: 'string' },
              device: address,
              sequence: decimal,
              expected: { type: 'string' },
              recorded: { type: 'string' },
            }),
          },
        }),
      },
      {
        dataSharing: object({
          recipient: address,
          consentId: decimal,
          device: address,
          streams: names,
          deliveredStreams: names,
          readingsDelivered: integer,
          dataHash: bytes32,
          loggedOnChain: { type: 'boolean' },
          refusedAfterRevocation: nullable({ type: 'string' }),
          grantTransaction: bytes32,
          revokeTransaction: bytes32,
        }),
        pythiaAct: object(
          {
            device: address,
            pythiaKey: address,
            firmware: object({ releaseId: bytes32, sequence: decimal, digest: bytes32, size: decimal }),
            newOwner: address,
            recipient: address,
            consentId: decimal,
            steps: { type: 'array', items: demoAccountabilityStep },
            mismatches: { type: 'array', items: demoAccountabilityStep },
            transactions: object({ publish: bytes32, approve: bytes32, grant: bytes32, transfer: bytes32 }),
          },
          {},
          'The second act (README, “What the demonstration shows”): the sensor checks its Pythia’s signed answers, a firmware release is published, approved, checked and installed, the sensor is sold and the old owner’s consent dies; each step expected vs recorded.',
        ),
        accountability: object(
          {
            recipient: address,
            consentId: decimal,
            penaltyWei: decimal,
            bondBeforeWei: decimal,
            bondAfterWei: decimal,
            leakedTo: address,
            steps: { type: 'array', items: demoAccountabilityStep },
            mismatches: { type: 'array', items: demoAccountabilityStep },
            transactions: object({ accept: bytes32, claim: bytes32, dispute: bytes32, resolve: bytes32 }),
          },
          {},
          'The accountability act (README, “What the demonstration shows”): a recipient accepts terms, a canary it was given leaks, the claim is disputed and ruled on; each step expected vs recorded.',
        ),
      },
    ),
  },
  verify: {
    description:
      'The report of `pythia verify` (docs/verify.md, "The JSON report"): the range checked, whether it agreed with the contract, counts, each discrepancy and the reverted batches it accepts. A run with discrepancies exits 1 and prints the same document.',
    schema: object({
      version: { const: 1 },
      chainId: integer,
      fleet: address,
      fromBlock: decimal,
      toBlock: decimal,
      complete: { type: 'boolean' },
      agreed: { type: 'boolean' },
      counts: { type: 'object' },
      discrepancies: { type: 'array', items: { type: 'object' } },
      discrepanciesOmitted: integer,
      revertedBatches: { type: 'array', items: { type: 'object' } },
      elapsedSeconds: { type: 'number' },
    }),
  },
  'attest verify': {
    description:
      'What a DCAP quote attests once verified against its collateral and Intel’s root (docs/attestation.md): TEE, measurement, SGX or TDX identity, report data, TCB statuses and advisories, and when the collateral expires.',
    schema: object(
      {
        teeType: { type: 'string', enum: ['SGX', 'TDX'] },
        version: { type: 'integer', enum: [3, 4] },
        measurement: hex,
        reportData: hex,
        tcbStatus: { type: 'string', enum: [...tcbStatuses] },
        advisoryIds: names,
        platformTcbStatus: { type: 'string', enum: [...tcbStatuses] },
        qeTcbStatus: { type: 'string', enum: [...tcbStatuses] },
        fmspc: { type: 'string' },
        pceId: { type: 'string' },
        collateralExpiresAt: { type: 'string' },
      },
      {
        mrsigner: hex,
        isvProdId: integer,
        isvSvn: integer,
        tdx: object({
          mrSeam: hex,
          mrSignerSeam: hex,
          tdAttributes: hex,
          xfam: hex,
          mrConfigId: hex,
          mrOwner: hex,
          mrOwnerConfig: hex,
          rtmr: { type: 'array', items: hex },
          teeTcbSvn: hex,
        }),
        tdxModuleTcbStatus: { type: 'string', enum: [...tcbStatuses] },
      },
    ),
  },
  'canary claim': {
    description: 'The leak claimed: the penalty (wei), how much of it the bond held, and until when the recipient may dispute.',
    schema: object({
      commitment: bytes32,
      recipient: address,
      leakedTo: address,
      penalty: decimal,
      held: decimal,
      disputeDeadline: unixSeconds,
      ...transaction,
    }),
  },
  'canary dispute': {
    description: 'The claim disputed, with the hash of the recipient’s answer.',
    schema: object({ commitment: bytes32, answerHash: bytes32, ...transaction }),
  },
  'canary resolve': {
    description: 'The arbiter’s ruling and what was paid to the owner (wei).',
    schema: object({ commitment: bytes32, outcome: { type: 'string', enum: ['upheld', 'rejected'] }, paid: decimal, ...transaction }),
  },
  'canary settle': {
    description: 'A claim settled after its dispute window (timedOut: no ruling came in time).',
    schema: object({
      commitment: bytes32,
      outcome: { type: 'string', enum: ['upheld', 'rejected'] },
      paid: decimal,
      timedOut: { type: 'boolean' },
      ...transaction,
    }),
  },
  'canary list': {
    description:
      'The canaries the gateway gave under a consent, each with what CanaryRegistry.claimLeak needs (docs/api.md, POST /v1/canaries/query).',
    schema: { type: 'array', items: givenCanary },
  },
  'canary show': { description: 'A canary commitment and its claim.', schema: canaryClaim },
  'deletion request': {
    description: 'The deletion request raised, under which consent, and its deadline.',
    schema: object({ requestId: decimal, consentId: decimal, deadline: unixSeconds, ...transaction }),
  },
  'deletion ack': {
    description: 'The request acknowledged by the recipient, with the hash of its evidence.',
    schema: object({ requestId: decimal, evidenceHash: bytes32, ...transaction }),
  },
  'deletion enforce': {
    description: 'A missed deadline penalised: the penalty and what the bond paid to the owner (wei).',
    schema: object({ requestId: decimal, penalty: decimal, paid: decimal, ...transaction }),
  },
  'deletion show': {
    description: 'One deletion request (`<requestId>`), or every request of a consent (`--consent`, an array).',
    schema: { anyOf: [deletionRequest, { type: 'array', items: deletionRequest }] },
  },
  'share log': {
    description: 'The onward share logged under a consent.',
    schema: object({
      entryId: decimal,
      consentId: decimal,
      sharedWith: address,
      dataHash: bytes32,
      purpose: { type: 'string' },
      ...transaction,
    }),
  },
  'network init': {
    description: 'The network folder made (network.json as written, with the folder) and the accounts funded at genesis (address → wei).',
    schema: object({
      dir: { type: 'string' },
      version: { const: 1 },
      chainId: integer,
      period: { type: 'integer', minimum: 1, description: 'seconds between blocks' },
      gasLimit: decimal,
      netrestrict: { type: 'string' },
      gethVersion: { type: 'string' },
      createdAt: { type: 'string', description: 'ISO 8601' },
      nodes: { type: 'array', items: networkNode },
      funded: { type: 'object', propertyNames: address, additionalProperties: decimal },
    }),
  },
  'network add-node': { description: 'The node added to the network folder.', schema: networkNode },
  'network up': {
    description: 'The nodes started (or found running) and the block at which they agreed; `rpcUrls` are what `pythia up --rpc-url` takes.',
    schema: object({
      dir: { type: 'string' },
      chainId: integer,
      readyMs: { type: 'integer', minimum: 0 },
      blockNumber: integer,
      nodes: {
        type: 'array',
        items: object(
          {
            name: { type: 'string' },
            role: nodeRole,
            pid: integer,
            rpcUrl: { type: 'string', description: 'where the node answers: a validator’s IPC socket (0600), an observer’s HTTP URL' },
            ipcPath: { type: 'string' },
            logFile: { type: 'string' },
            alreadyRunning: { type: 'boolean' },
          },
          { diesWithParent: { type: 'boolean' } },
        ),
      },
      rpcUrls: { type: 'array', items: { type: 'string' } },
    }),
  },
  'network down': {
    description: 'Each node asked to stop: what was found (running and now stopped, stopped, or a stale pid file removed).',
    schema: {
      type: 'array',
      items: object(
        { name: { type: 'string' }, was: { type: 'string', enum: ['running', 'stopped', 'stale'] }, killed: { type: 'boolean' } },
        { pid: integer },
      ),
    },
  },
  'network status': {
    description: "Every node's state, the signer list at the highest head and how many signers must seal (⌊N/2⌋ + 1).",
    schema: object(
      {
        dir: { type: 'string' },
        chainId: integer,
        period: integer,
        nodes: {
          type: 'array',
          items: object(
            {
              name: { type: 'string' },
              role: nodeRole,
              running: { type: 'boolean' },
              rpcUrl: { type: 'string', description: 'where the node answers: a validator’s IPC socket (0600), an observer’s HTTP URL' },
              ipcPath: { type: 'string' },
              sealing: { type: 'boolean' },
            },
            {
              address,
              pid: integer,
              stalePidFile: { type: 'boolean' },
              head: object({ number: integer, hash: bytes32, timestamp: unixSeconds }),
              peers: integer,
              signers: { type: 'array', items: address },
              sealedRecently: integer,
              recentBlocks: integer,
              proposals: { type: 'array', items: signerVote },
              openVotes: { type: 'array', items: object({ address, vote: { type: 'string', enum: ['add', 'remove'] }, votes: integer }) },
              error: { type: 'string' },
            },
          ),
        },
        signers: { type: 'array', items: address },
        signersNeeded: integer,
        signersSealing: integer,
      },
      { head: integer },
    ),
  },
  'network heal': {
    description:
      'What `network heal` found and did: the validators’ heads still moving (nothing to heal), standing still on one block (no fork: too few signers seal), or split and healed — the branch kept, each validator rewound to the block its branch shares with it, and the head they share once a new block followed. With `--watch`, one such object (outcome `healed`) on a line of its own for each heal.',
    schema: (() => {
      const head = object({ node: { type: 'string' }, number: integer, hash: bytes32, totalDifficulty: decimal });
      const block = object({ number: integer, hash: bytes32 });
      return {
        oneOf: [
          object({ outcome: { type: 'string', enum: ['moving', 'agreed'] }, heads: { type: 'array', items: head } }),
          object({
            outcome: { type: 'string', enum: ['healed'] },
            heads: { type: 'array', items: head },
            kept: block,
            rewound: { type: 'array', items: object({ node: { type: 'string' }, from: block, to: block }) },
            after: block,
          }),
        ],
      };
    })(),
  },
  'network propose': {
    description: "A validator's vote cast (or withdrawn) and the votes it now casts in the blocks it seals.",
    schema: object({
      validator: { type: 'string' },
      address,
      vote: { type: 'string', enum: ['add', 'remove', 'discard'] },
      proposals: { type: 'array', items: signerVote },
    }),
  },
  'share list': {
    description: 'Every share logged under a consent, oldest first.',
    schema: {
      type: 'array',
      items: object({ entryId: decimal, consentId: decimal, sharedWith: address, loggedAt: unixSeconds, dataHash: bytes32 }),
    },
  },
};

/** JSON with a value on one line whenever it fits in `width` columns (`used`: what precedes it on its line). */
function compactJson(value: unknown, indent = '', used = 0, width = 110): string {
  const flat = JSON.stringify(value);
  if (indent.length + used + flat.length <= width || value === null || typeof value !== 'object') return flat;
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => inner + compactJson(v, inner))
    : Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner, k.length + 4)}`,
      );
  return Array.isArray(value) ? `[\n${items.join(',\n')}\n${indent}]` : `{\n${items.join(',\n')}\n${indent}}`;
}

/** docs/cli.md: the table as Markdown. */
export function jsonOutputMarkdown(): string {
  const lines = [
    '# `pythia --json` outputs',
    '',
    '<!-- Generated by `npm run docs:abi` from src/cli/jsonOutputSchemas.ts — do not edit by hand. -->',
    '',
    'With `--json`, a command prints one JSON document on stdout and nothing else there (progress goes',
    'to stderr; an error is below). These are the documents, as JSON schemas (draft 7). Conventions: integers that may',
    'exceed 2^53 (wei amounts, block numbers, ownership epochs, uint64 counters) are decimal strings;',
    'addresses are `0x` and 40 hex digits (checksummed or not); a transaction is named by',
    '`transactionHash` and `blockNumber`. A property not listed is never printed (`additionalProperties:',
    'false`), so a client may refuse one it does not know. The end-to-end tests check every `--json`',
    'output they read against these schemas.',
    '',
    ...errorsMarkdown(),
  ];
  for (const [command, { description, schema }] of Object.entries(jsonOutputSchemas).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`## pythia ${command} --json`, '', description, '', '```json', compactJson(schema), '```', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

const ajv = new Ajv({ allErrors: false, strict: true });
const validators = new Map<string, ValidateFunction>();

/** The documented command that `args` (as given to `pythia`) run: the longest key its first words name. */
export function documentedCommandOf(args: readonly string[]): string | undefined {
  const words: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const key = words.slice(0, n).join(' ');
    if (Object.hasOwn(jsonOutputSchemas, key)) return key;
  }
  return undefined;
}

/** How `value` breaks the documented --json schema of `command` (`/0/status must be equal to one of ...`), or undefined. */
export function jsonOutputError(command: string, value: unknown): string | undefined {
  let validate = validators.get(command);
  if (!validate) {
    validate = ajv.compile(jsonOutputSchemas[command]!.schema);
    validators.set(command, validate);
  }
  if (validate(value)) return undefined;
  return (validate.errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    )
    .join('; ');
}

/** docs/cli.md, "Errors and exit codes": from the CLI's one error path (src/cli/failure.ts). */
function errorsMarkdown(): string[] {
  return [
    '## Errors and exit codes',
    '',
    'Every command fails the same way: one sentence on stderr, `error: ` and what happened and what to do',
    '(with the command to run), never a library dump; with `--json` also the error as JSON on stdout,',
    'with a stable `code`. A contract refusal is decoded into words: the custom error, its arguments by',
    'name (enum members by name, roles by name), what it means for the command, then the error name in',
    'brackets (`[InvalidStatusTransition]`). The exit code says the kind of failure, the same for every',
    'command: 0 done, 1 refused, 2 bad usage, 3 the node is not reachable.',
    '',
    '| `code` | exit code | meaning |',
    '|---|---|---|',
    ...Object.entries(failureCodes).map(([code, { exitCode, meaning }]) => `| \`${code}\` | ${exitCode} | ${meaning} |`),
    '',
    '```json',
    compactJson(failureJsonSchema),
    '```',
    '',
    '### Confirmation',
    '',
    'A command that does something that cannot be taken back asks first: on a terminal it says what it',
    'is about to do and waits for `yes`; `--yes` answers in advance; without a terminal and without',
    '`--yes` it stops with exit code 2 (`usage`) and a sentence that names `--yes`, before it sends',
    'anything (and before it reads the data directory, except `feed buy`, which first reads the price and',
    'terms it names). These commands ask:',
    '',
    '| command | what it does for good |',
    '|---|---|',
    ...Object.entries(confirmedCommands).map(([command, consequence]) => `| \`pythia ${command}\` | ${consequence} |`),
    '',
    'Commands that only carry out what a contract has already fixed do not ask: `deletion enforce` and',
    '`canary settle` pay what the deadline or the dispute window decided (terms the recipient accepted on',
    'chain), and `canary claim` holds a penalty that the recipient can dispute. Moving your own money',
    '(`bond withdraw`, `feed withdraw`, `feed refund`, `firmware withdraw`/`reclaim`) does not ask either.',
    '',
  ];
}

/** Why `value` is not a --json error as docs/cli.md documents it, or undefined when it is one. */
export function jsonErrorOutputError(value: unknown): string | undefined {
  const validate = (validators.get('(error)') ?? ajv.compile(failureJsonSchema)) as ValidateFunction;
  validators.set('(error)', validate);
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentFileError, deploymentPath, parseDeployment, readDeployment, writeDeployment } from './deployment.js';
import { deploymentJsonSchema, deploymentSchemaError } from './deploymentSchema.js';

const base = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  gatewayUrl: 'http://127.0.0.1:8080',
  deploymentBlock: 1,
  roles: {
    admin: '0x00000000000000000000000000000000000000a1',
    operator: '0x00000000000000000000000000000000000000a2',
    relayer: '0x00000000000000000000000000000000000000a3',
  },
  embeddedChain: true,
};
const fleet = '0x00000000000000000000000000000000000000f1';
const deviceIdentity = '0x00000000000000000000000000000000000000d1';
const deviceOwnership = '0x00000000000000000000000000000000000000d2';

describe('parseDeployment: identity and ownership contracts', () => {
  it('reads a deployment with deviceIdentity and deviceOwnership', () => {
    const d = parseDeployment({ ...base, contracts: { fleet, deviceIdentity, deviceOwnership } });
    assert.equal(d.contracts.deviceIdentity, deviceIdentity);
    assert.equal(d.contracts.deviceOwnership, deviceOwnership);
  });

  it('still reads a deployment.json written before they existed', () => {
    const d = parseDeployment({ ...base, contracts: { fleet } });
    assert.equal(d.contracts.deviceIdentity, undefined);
    assert.equal(d.contracts.deviceOwnership, undefined);
  });

  it('refuses a malformed address and a lone half of the pair', () => {
    assert.throws(
      () => parseDeployment({ ...base, contracts: { fleet, deviceIdentity: '0x1234', deviceOwnership } }),
      (e: unknown) => e instanceof DeploymentFileError && /contracts\.deviceIdentity must be an address/.test(e.message),
    );
    assert.throws(
      () => parseDeployment({ ...base, contracts: { fleet, deviceIdentity, deviceOwnership: 42 } }),
      (e: unknown) => e instanceof DeploymentFileError && /contracts\.deviceOwnership must be an address/.test(e.message),
    );
    assert.throws(
      () => parseDeployment({ ...base, contracts: { fleet, deviceOwnership } }),
      (e: unknown) => e instanceof DeploymentFileError && /both or neither/.test(e.message),
    );
  });
});

describe('parseDeployment: firmware registry', () => {
  const firmwareRegistry = '0x00000000000000000000000000000000000000e1';

  it('reads a deployment with the firmware registry, and one written before it existed', () => {
    const d = parseDeployment({ ...base, contracts: { fleet, deviceIdentity, deviceOwnership, firmwareRegistry } });
    assert.equal(d.contracts.firmwareRegistry, firmwareRegistry);
    assert.equal(parseDeployment({ ...base, contracts: { fleet, deviceIdentity, deviceOwnership } }).contracts.firmwareRegistry, undefined);
  });

  it('refuses a malformed address and a registry without identity and ownership', () => {
    assert.throws(
      () => parseDeployment({ ...base, contracts: { fleet, deviceIdentity, deviceOwnership, firmwareRegistry: '0xabc' } }),
      (e: unknown) => e instanceof DeploymentFileError && /contracts\.firmwareRegistry must be an address/.test(e.message),
    );
    assert.throws(
      () => parseDeployment({ ...base, contracts: { fleet, firmwareRegistry } }),
      (e: unknown) => e instanceof DeploymentFileError && /firmwareRegistry needs contracts\.deviceIdentity/.test(e.message),
    );
  });
});

describe('deployment.json against its documented schema (docs/deployment.schema.json)', () => {
  it('docs/deployment.schema.json is deploymentJsonSchema', () => {
    const documented = JSON.parse(readFileSync(new URL('../../docs/deployment.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(documented, JSON.parse(JSON.stringify(deploymentJsonSchema)));
  });

  it('refuses a key the schema does not know, a bad rpcUrl and a role that is not an address, naming it', () => {
    assert.throws(
      () => parseDeployment({ ...base, contracts: { fleet }, rcpUrl: 'http://typo' }),
      (e: unknown) => e instanceof DeploymentFileError && /must NOT have additional properties \(rcpUrl\)/.test(e.message),
    );
    assert.throws(
      () => parseDeployment({ ...base, contracts: { fleet }, roles: { ...base.roles, auditor: fleet } }),
      (e: unknown) => e instanceof DeploymentFileError && /roles must NOT have additional properties \(auditor\)/.test(e.message),
    );
    assert.throws(
      () => parseDeployment({ ...base, rpcUrl: 'ftp://x', contracts: { fleet } }),
      (e: unknown) => e instanceof DeploymentFileError && /rpcUrl must be an http\(s\) URL/.test(e.message),
    );
    assert.equal(deploymentSchemaError({ ...base, contracts: { fleet, aFutureContract: fleet } }), undefined);
    assert.match(
      deploymentSchemaError({ ...base, contracts: { fleet, aFutureContract: 7 } }) ?? '',
      /contracts\.aFutureContract must be string/,
    );
  });

  it('writeDeployment writes 0600 and readDeployment reads back what it wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pythia-deployment-'));
    try {
      const deployment = parseDeployment({
        ...base,
        contracts: { fleet, deviceIdentity, deviceOwnership },
        mqttUrl: 'mqtt://127.0.0.1:1883',
      });
      writeDeployment(dir, deployment);
      assert.equal(statSync(deploymentPath(dir)).mode & 0o777, 0o600);
      assert.deepEqual(readDeployment(dir), deployment);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

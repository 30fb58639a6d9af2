import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatAbiItem } from 'viem/utils';
import { pythiaFleetAbi } from './abis.js';
import { gatewayFleetAbi } from './gatewayFleetAbi.js';

it('every function and event the gateway uses is in the generated PythiaFleet ABI, with the same types', () => {
  const generated = new Map(
    pythiaFleetAbi
      .filter((item) => item.type === 'function' || item.type === 'event')
      .map((item) => [`${item.type} ${formatAbiItem(item)}`, item]),
  );
  for (const item of gatewayFleetAbi) {
    const key = `${item.type} ${formatAbiItem(item)}`;
    assert.ok(generated.has(key), `${key} is not in src/contracts/abis.ts`);
    const theirs = generated.get(key)!;
    if (item.type === 'event' && theirs.type === 'event') {
      const indexed = (inputs: readonly object[]) => inputs.map((i) => ('indexed' in i ? i.indexed : false));
      assert.deepEqual(indexed(item.inputs), indexed(theirs.inputs), `${key}: indexed flags`);
    }
    if (item.type === 'function' && theirs.type === 'function') {
      assert.equal(formatOutputs(item.outputs), formatOutputs(theirs.outputs), `${key}: outputs`);
    }
  }
});

const formatOutputs = (outputs: readonly { type: string; components?: readonly unknown[] }[]) =>
  JSON.stringify(outputs.map((o) => [o.type, 'components' in o ? o.components?.map((c) => (c as { type: string }).type) : undefined]));

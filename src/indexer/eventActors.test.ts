import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { getAddress } from 'viem';
import { eventActors } from './eventActors.js';

const [operator, owner, device] = ['0a', '0b', 'd1'].map((b) => getAddress(`0x${b.repeat(20)}`)) as [
  `0x${string}`,
  `0x${string}`,
  `0x${string}`,
];

test("an event's actors: its sender and each top-level address argument but `device`, once each", () => {
  assert.deepEqual(
    eventActors({
      name: 'OwnershipTransferred',
      sender: operator,
      args: { device, previousOwner: operator, newOwner: owner, epoch: '2', devices: [owner] },
    }),
    [operator, owner],
  );
  assert.deepEqual(
    eventActors({ name: 'ReadingAccepted', sender: operator, args: { device, sequence: '1', by: owner } }),
    [],
    'a reading event names no one',
  );
  assert.deepEqual(
    eventActors({
      name: 'unknown',
      args: { topic0: `0x${'ab'.repeat(32)}`, reason: 'not 0x an address', short: '0x0a', owner: owner.toLowerCase() },
    }),
    [owner.toLowerCase()],
    'only strings of 0x and 40 hex digits, as the chain gave them',
  );
});

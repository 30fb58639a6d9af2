import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstWorkingCommand, isolatedNetworkCommand } from './networkNamespace.js';
import { STRANGER_UID } from '../testing/stranger.js';

describe('a network namespace of its own', { skip: process.platform !== 'linux' }, () => {
  it('is made here: unshare --net as root, with --map-root-user otherwise', () => {
    const isolation = isolatedNetworkCommand();
    assert.ok('command' in isolation, JSON.stringify(isolation));
    assert.deepEqual(isolation.command.slice(1), process.getuid?.() === 0 ? ['--net'] : ['--net', '--map-root-user']);
  });

  it('where it cannot be made, says why for each way tried (what a node that may not shows)', { skip: process.getuid?.() !== 0 }, () => {
    // A user who is not root may not make a network namespace without a user namespace of its own.
    const asStranger = ['setpriv', `--reuid=${STRANGER_UID}`, `--regid=${STRANGER_UID}`, '--clear-groups', '--', 'unshare', '--net'];
    const refused = firstWorkingCommand([asStranger, ['/nonexistent/unshare', '--net']]);
    assert.ok('reasons' in refused, JSON.stringify(refused));
    assert.equal(refused.reasons.length, 2);
    assert.match(refused.reasons[0]!, /unshare failed: Operation not permitted/);
    assert.match(refused.reasons[1]!, /ENOENT/);
  });
});

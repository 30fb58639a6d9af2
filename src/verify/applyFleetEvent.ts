import type { Address } from 'viem';
import { respondToFlag } from '../protocol/respondToFlag.js';
import { effectiveProfileOf, unknownDevice } from './applyReading.js';
import type { FleetLog } from './decodeFleetLogs.js';
import { RELAYER_ROLE } from './readFleetState.js';
import type { BlockModel } from './types.js';

const MAX_FLAGS = 2 ** 32 - 1;

/**
 * Applies to the model what another transaction of the block did to the fleet before (or after) a
 * batch: the state between two transactions of one block cannot be read through JSON-RPC, so the
 * operator's and the identity contract's changes inside a block are taken from their events
 * (registration, status, key rotation, profiles, out-of-band flags, relayer role). The end-of-block
 * comparison with the chain then checks the result. Devices the model does not track are left out.
 */
export type ApplyFleetEventParameters = { model: BlockModel; event: FleetLog; fleet: Address; blockTime: bigint };

export function applyFleetEvent({ model, event, fleet, blockTime }: ApplyFleetEventParameters): void {
  const device = 'device' in event ? model.devices.get(event.device.toLowerCase()) : undefined;
  switch (event.kind) {
    case 'registered':
      if (device) Object.assign(device, unknownDevice(device.device), { status: 'active', classId: event.classId });
      return;
    case 'status':
      // The contract's own status changes in these transactions follow a DeviceFlagged, modelled below.
      if (!device || event.by.toLowerCase() === fleet.toLowerCase()) return;
      if (device.status === 'suspended' && event.current === 'active') {
        device.flagsInWindow = 0;
        device.flagWindowStart = 0n;
      }
      device.status = event.current;
      return;
    case 'keyRotated':
      if (device) device.signer = event.newSigner;
      return;
    case 'classProfile':
      model.classProfiles.set(event.classId, event.profile);
      return;
    case 'deviceProfile':
      if (device) device.ownProfile = event.profile;
      return;
    case 'deviceProfileCleared':
      if (device) device.ownProfile = undefined;
      return;
    case 'deviceFlagged': {
      if (!device) return;
      if (device.status !== 'active') {
        device.flags = Math.min(device.flags + 1, MAX_FLAGS);
        return;
      }
      const profile = effectiveProfileOf(model, device);
      if (!profile) return;
      const { state, action } = respondToFlag({ state: device, profile, blockTime });
      Object.assign(device, state);
      if (action !== 'none') device.status = action === 'revoke' ? 'revoked' : 'suspended';
      return;
    }
    case 'role':
      if (event.role === RELAYER_ROLE) model.relayers.set(event.account.toLowerCase(), event.granted);
      return;
    default:
      return;
  }
}

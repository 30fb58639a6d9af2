export type { Attack, AttackAction, AttackContext, Expectation, ExpectedStatus } from './types.js';
export { createCompromisedSensorAttack, type CreateCompromisedSensorAttackParameters } from './compromisedSensor.js';
export { createFlooderAttack, type CreateFlooderAttackParameters } from './flooder.js';
export { createOversizedPayloadAttack, paddedPayload, type CreateOversizedPayloadAttackParameters } from './oversizedPayload.js';
export { createReplayAttack, type CreateReplayAttackParameters } from './replay.js';
export { createImpersonatorAttack, type CreateImpersonatorAttackParameters, type ImpersonatorAttack } from './impersonator.js';

import { createCompromisedSensorAttack } from './compromisedSensor.js';
import { createFlooderAttack } from './flooder.js';
import { createImpersonatorAttack } from './impersonator.js';
import { createOversizedPayloadAttack } from './oversizedPayload.js';
import { createReplayAttack } from './replay.js';
import type { Attack } from './types.js';

/** The five attacks of the demonstration, with default settings, in a sensible order. */
export function createAllAttacks(): Attack[] {
  return [
    createCompromisedSensorAttack(),
    createFlooderAttack(),
    createOversizedPayloadAttack(),
    createReplayAttack(),
    createImpersonatorAttack(),
  ];
}

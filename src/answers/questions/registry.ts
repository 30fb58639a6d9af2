import { consentQuestion } from './consent.js';
import { deviceOwnerQuestion } from './deviceOwner.js';
import { deviceStatusQuestion } from './deviceStatus.js';
import { firmwareApprovedQuestion } from './firmwareApproved.js';
import type { AnyQuestion } from './types.js';

/**
 * Every question a Pythia answers, by type id. Ids are never reused.
 *
 * | id | name | issue |
 * |---|---|---|
 * | 1 | device_status | #3 (here) |
 * | 2 | device_owner | #4 (ownership; needs the DeviceOwnership contract) |
 * | 3 | firmware_approved | #4 (firmware approval; needs the FirmwareRegistry contract) |
 * | 4 | consent | #5 (command consent; needs the ConsentRegistry contract) |
 *
 * To add a question: one file exporting a Question (see deviceStatus.ts) and one entry below.
 */
export const questions: ReadonlyMap<number, AnyQuestion> = new Map<number, AnyQuestion>(
  [deviceStatusQuestion, deviceOwnerQuestion, firmwareApprovedQuestion, consentQuestion].map((q) => [q.id, q] as const),
);

/** Ids reserved for questions of later issues; a gateway answers them with unknown_question. */
export const reservedQuestionIds = {} as const;

export function questionById(id: number): AnyQuestion | undefined {
  return questions.get(id);
}

/** A question by its id or name (the JSON request form takes either). */
export function questionOf(idOrName: unknown): AnyQuestion | undefined {
  if (typeof idOrName === 'number') return questions.get(idOrName);
  if (typeof idOrName === 'string') for (const q of questions.values()) if (q.name === idOrName) return q;
  return undefined;
}

import { randomBytes } from 'node:crypto';
import { AnswerError } from '../answers/errors.js';
import type { AnyQuestion } from '../answers/questions/types.js';
import { questionOf } from '../answers/questions/registry.js';
import { signQuestionRequest } from '../answers/signQuestionRequest.js';
import type { DeviceKey } from './types.js';

export type SignDeviceQuestionParameters = {
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  /** Question name or id, e.g. 'device_status'. */
  question: string | number;
  /** The question's parameters in JSON form, e.g. { device: '0x…' }. */
  params: unknown;
  chainId: number;
  sequence: bigint;
  /** 8–32; default 8 (keeps a status answer under 200 bytes). */
  challengeBytes?: number;
};

export type SignDeviceQuestionReturnType = { question: AnyQuestion; challenge: Uint8Array; cose: Uint8Array };

/** A device's signed question with a fresh challenge, the same for every channel (HTTP, MQTT). */
export function signDeviceQuestion({
  key,
  question,
  params,
  chainId,
  sequence,
  challengeBytes = 8,
}: SignDeviceQuestionParameters): SignDeviceQuestionReturnType {
  const q = questionOf(question);
  if (!q) throw new AnswerError('question_mismatch', `unknown question ${String(question)}`);
  const challenge = new Uint8Array(randomBytes(challengeBytes));
  const { cose } = signQuestionRequest({
    privateKey: key.privateKey,
    request: { device: key.deviceId, question: q.id, params: q.encodeParams(q.parseParams(params)), challenge, sequence, chainId },
  });
  return { question: q, challenge, cose };
}

export * from './constants.js';
export { AnswerError, type AnswerErrorReason } from './errors.js';
export { encodeDeterministic } from './cbor.js';
export { sigStructure, type SigStructureParameters } from './sigStructure.js';
export { encodeCoseSign1, decodeCoseSign1, type CoseSign1 } from './coseSign1.js';
export { encodeAnswerPayload, decodeAnswerPayload, ChallengeFormatError, type AnswerPayload } from './answerPayload.js';
export { es256kDigest, signCoseSign1, localCoseSigner, type CoseSigner, type SignCoseSign1Parameters } from './signCoseSign1.js';
export { signAnswer, type SignAnswerParameters } from './signAnswer.js';
export { encodeAnswer, type EncodeAnswerParameters } from './encodeAnswer.js';
export { decodeAnswer, type DecodeAnswerReturnType } from './decodeAnswer.js';
export { verifyAnswer, type VerifyAnswerParameters, type VerifiedAnswer } from './verifyAnswer.js';
export { trustedKeySet, type TrustedKey, type TrustedKeySet } from './trustedKeys.js';
export { answerQuestion, type AnswerQuestionParameters, type AnswerQuestionReturnType } from './answerQuestion.js';
export { encodeQuestionRequestPayload, decodeQuestionRequestPayload, type QuestionRequest } from './questionRequest.js';
export {
  signQuestionRequest,
  type QuestionRequestJson,
  type SignQuestionRequestParameters,
  type SignQuestionRequestReturnType,
} from './signQuestionRequest.js';
export { questions, questionById, questionOf, reservedQuestionIds } from './questions/registry.js';
export { deviceStatusQuestion, type DeviceStatusAnswer, type DeviceStatusParams } from './questions/deviceStatus.js';
export { deviceOwnerQuestion, type DeviceOwnerAnswer } from './questions/deviceOwner.js';
export {
  firmwareApprovedQuestion,
  type FirmwareApprovedAnswer,
  type FirmwareApprovedParams,
} from './questions/firmwareApproved.js';
export { consentQuestion, type ConsentAnswer, type ConsentParams } from './questions/consent.js';
export type { AnswerContracts, AnyQuestion, PinnedChainReader, Question } from './questions/types.js';

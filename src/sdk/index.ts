export { generateDeviceKey, type GenerateDeviceKeyReturnType } from './generateDeviceKey.js';
export { deviceKeyFromPrivateKey } from './deviceKeyFromPrivateKey.js';
export { saveDeviceKey, type SaveDeviceKeyOptions } from './saveDeviceKey.js';
export { loadDeviceKey } from './loadDeviceKey.js';
export { registrationMessage } from '../protocol/registrationMessage.js';
export {
  createRegistrationRequest,
  type CreateRegistrationRequestParameters,
  type CreateRegistrationRequestReturnType,
} from './createRegistrationRequest.js';
export {
  InvalidRegistrationRequestError,
  verifyRegistrationRequest,
  type VerifyRegistrationRequestReturnType,
} from './verifyRegistrationRequest.js';
export { signReading, type SignReadingParameters, type SignReadingReturnType } from './signReading.js';
export { recoverReadingSigner } from './recoverReadingSigner.js';
export { signDigest } from '../protocol/signDigest.js';
export { recoverDigestSigner } from '../protocol/recoverDigestSigner.js';
export type { SequenceStore } from './sequenceStore.js';
export { createSequenceStore, SequenceStoreError, type CreateSequenceStoreOptions } from './createSequenceStore.js';
export { createMemorySequenceStore } from './createMemorySequenceStore.js';
export { backoffDelay, parseRetryAfter, type RetryOptions } from './backoffDelay.js';
export { gatewayRequest, errorOfBody, type GatewayRequestParameters, type GatewayRequestReturnType } from './gatewayRequest.js';
export {
  createDeviceClient,
  type CreateDeviceClientParameters,
  type DeviceClient,
  type ReadingValues,
  type SendReadingReturnType,
  type SendReadingsReturnType,
  type SendResult,
} from './createDeviceClient.js';
export {
  createMqttDeviceClient,
  type CreateMqttDeviceClientParameters,
  type MqttDeviceClient,
  type MqttReadingAck,
} from './createMqttDeviceClient.js';
export { signConnectToken, connectTokenMessage } from '../protocol/mqttConnectToken.js';
export { deviceTopic, parseDeviceTopic, MQTT_TOPIC_PREFIX } from '../protocol/mqttTopics.js';
export { GatewayRejection, GatewayUnavailable } from './errors.js';
export type { DeviceKey, ReadingStatus, RegistrationRequest, SignedReading } from './types.js';
export {
  parseProvisioningBundle,
  trustedKeysOf,
  cliqueTrustOf,
  ProvisioningBundleError,
  type ProvisioningBundle,
  type PythiaKeyEntry,
} from './provisioningBundle.js';
export { askPythia, type AskPythiaParameters } from './askPythia.js';
export { requestAnswer, type RequestAnswerParameters, type RequestAnswerReturnType } from './requestAnswer.js';
export { createQuestionSequence, type QuestionSequence } from './createQuestionSequence.js';
export { createStatusGuard, DeviceHaltedError, type CreateStatusGuardParameters, type StatusGuard } from './createStatusGuard.js';
export {
  AnswerError,
  decodeAnswer,
  verifyAnswer,
  type AnswerErrorReason,
  type DeviceStatusAnswer,
  type FirmwareApprovedAnswer,
  type FirmwareApprovedParams,
  type TrustedKey,
  type VerifiedAnswer,
  type VerifyAnswerParameters,
} from '../answers/index.js';
export { signDeviceQuestion, type SignDeviceQuestionParameters, type SignDeviceQuestionReturnType } from './signDeviceQuestion.js';
export {
  signFirmwareReport,
  type SignFirmwareReportParameters,
  type SignFirmwareReportReturnType,
} from './signFirmwareReport.js';
export {
  checkFirmwareImage,
  FirmwareCheckError,
  type CheckFirmwareImageParameters,
  type CheckFirmwareImageReturnType,
  type FirmwareCheckReason,
} from './checkFirmwareImage.js';
export {
  deviceProvenanceDigest,
  keyRotationDigest,
  ownerAcknowledgementDigest,
  type DeviceProvenanceDigestParameters,
  type KeyRotationDigestParameters,
  type OwnerAcknowledgementDigestParameters,
} from '../protocol/identityTypedData.js';
export { signDeviceProvenance, type SignDeviceProvenanceParameters } from '../protocol/signDeviceProvenance.js';
export { signKeyRotation, type SignKeyRotationParameters } from '../protocol/signKeyRotation.js';
export {
  signOwnerAcknowledgement,
  type SignOwnerAcknowledgementParameters,
  type SignOwnerAcknowledgementReturnType,
} from './signOwnerAcknowledgement.js';
export { acknowledgeOwner, type AcknowledgeOwnerParameters, type AcknowledgeOwnerReturnType } from './acknowledgeOwner.js';
export { sendFirmwareReport, type SendFirmwareReportParameters, type SendFirmwareReportReturnType } from './sendFirmwareReport.js';
export {
  fetchConsentedReadings,
  type FetchConsentedReadingsParameters,
  type FetchConsentedReadingsReturnType,
} from './fetchConsentedReadings.js';
export {
  signCommand,
  sendCommand,
  type SignCommandParameters,
  type SignCommandReturnType,
  type SendCommandParameters,
  type SentCommand,
} from './signCommand.js';
export {
  createCommandGuard,
  createMemoryNonceStore,
  type CommandGuard,
  type CommandNonceStore,
  type CommandOutcome,
  type CommandRefusal,
  type ConsentAsker,
  type CreateCommandGuardParameters,
  type DeviceCommandRefusalReason,
  type ReceivedCommand,
} from './createCommandGuard.js';
export {
  commandDigest,
  commandTypes,
  COMMAND_DOMAIN_NAME,
  type CommandEnvelope,
  type CommandJson,
  type PythiaCommand,
} from '../protocol/command.js';
export { queryCanaries, type QueryCanariesParameters, type GivenCanary } from './queryCanaries.js';
export { queryCommand, type QueryCommandParameters, type QueriedCommand } from './queryCommand.js';
export { randomNonce } from './randomNonce.js';
export {
  askStatusProof,
  askCliqueCheckpoints,
  ChainProofError,
  decodeCliqueTrust,
  encodeCliqueTrust,
  followCliqueCheckpoint,
  verifyCliqueHeader,
  verifyDeviceStatusProof,
  verifyFleetRecordProof,
  type ChainProofReason,
  type CliqueTrust,
  type FleetRecordProof,
  type HeaderFreshness,
  type ProvenDeviceStatus,
} from './chainProof/index.js';

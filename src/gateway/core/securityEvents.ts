import type { RejectionReason } from '../../protocol/reasons.js';
import type { GatewayLogger } from './logger.js';

/** The kinds of security event the gateway logs (docs/security.md, "Security log"). */
export type SecurityEvent = 'login_refused' | 'signature_refused' | 'policy_denied' | 'device_refused' | 'rate_limited';

const eventOfReason: Partial<Record<RejectionReason, SecurityEvent>> = {
  bad_signature: 'signature_refused',
  bad_signature_format: 'signature_refused',
  high_s_signature: 'signature_refused',
  bad_cose: 'signature_refused',
  wrong_algorithm: 'signature_refused',
  request_expired: 'signature_refused',
  command_expired: 'signature_refused',
  replayed_sequence: 'signature_refused',
  replayed_request: 'signature_refused',
  replayed_nonce: 'signature_refused',
  replayed_command: 'signature_refused',
  stale_epoch: 'signature_refused',
  policy_denied: 'policy_denied',
  policy_mismatch: 'policy_denied',
  consent_not_yet_valid: 'policy_denied',
  consent_expired: 'policy_denied',
  consent_revoked: 'policy_denied',
  device_not_covered: 'policy_denied',
  not_consent_owner: 'policy_denied',
  not_command_party: 'policy_denied',
  insufficient_bond: 'policy_denied',
  terms_not_accepted: 'policy_denied',
  ownership_changed: 'policy_denied',
  wrong_recipient: 'policy_denied',
  stream_not_covered: 'policy_denied',
  command_not_covered: 'policy_denied',
  unknown_consent: 'policy_denied',
  unknown_device: 'device_refused',
  device_suspended: 'device_refused',
  device_revoked: 'device_refused',
  topic_mismatch: 'device_refused',
  rate_limited: 'rate_limited',
  too_many_devices: 'rate_limited',
};

/** The security event a refusal is, if it is one (a malformed body is not: it is only logged at debug). */
export function securityEventOf(reason: RejectionReason): SecurityEvent | undefined {
  return eventOfReason[reason];
}

/**
 * One warn line per security event, `security` naming its kind: who (client address, device or
 * signer when known), what (channel, route, reason) — never a key, token, signature or body.
 */
export function logSecurityEvent(
  logger: Pick<GatewayLogger, 'warn'>,
  event: SecurityEvent,
  fields: { reason?: RejectionReason; channel: 'http' | 'mqtt'; [key: string]: unknown },
): void {
  logger.warn({ security: event, ...fields }, `security: ${event}`);
}

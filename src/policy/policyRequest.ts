import { getAddress, isAddress, type Address } from 'viem';
import { instantSeconds } from './parsePolicy.js';
import { PLAIN_ACTIONS, STREAM_NAMES, SUBJECT_ROLES, isAction, type StreamName, type SubjectRole } from './vocabulary.js';

/**
 * What is asked of a policy: may `subject` do `action` on `resource`, for `purpose`, at `time`?
 * Everything the decision depends on is here (time included): the evaluator reads no clock.
 */
export type PolicyRequest = {
  subject: Address;
  /** Roles the caller has established for the subject (the gateway, from the chain). "any" is implied. */
  roles?: SubjectRole[];
  /** "read", "retain", "share-onward" or "command:<name>". */
  action: string;
  resource: { device: Address; class?: number; stream?: StreamName };
  purpose?: string;
  /** Unix seconds. */
  time: number;
  /** The consent the request is made under (consent-live, sharing-log-entry). */
  consentId?: bigint;
  /** For share-onward: who the data goes to (sharing-log-entry). */
  party?: Address;
  /** For retain: how many days the subject keeps the data. */
  retentionDays?: number;
};

export class PolicyRequestError extends Error {}

const REQUEST_FIELDS = ['subject', 'roles', 'action', 'resource', 'purpose', 'time', 'consentId', 'party', 'retentionDays'];

/**
 * A request from JSON (`pythia policy evaluate --request`): addresses checked, time as unix
 * seconds or an ISO UTC string, consentId as an integer or decimal string.
 */
export function parsePolicyRequest(value: unknown): PolicyRequest {
  const fail = (message: string): never => {
    throw new PolicyRequestError(message);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('the request must be a JSON object');
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r))
    if (!REQUEST_FIELDS.includes(key)) fail(`unknown request field "${key}" (allowed: ${REQUEST_FIELDS.join(', ')})`);
  const address = (v: unknown, name: string): Address =>
    typeof v === 'string' && isAddress(v, { strict: false }) ? getAddress(v) : fail(`${name} must be an address (0x + 40 hex digits)`);

  const subject = address(r.subject, 'subject');
  if (typeof r.action !== 'string' || !isAction(r.action) || r.action === 'command:*') {
    fail(`action must be one of ${PLAIN_ACTIONS.join(', ')} or command:<name>`);
  }
  const resource = r.resource;
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource))
    return fail('resource must be an object {device, class?, stream?}');
  const res = resource as Record<string, unknown>;
  for (const key of Object.keys(res))
    if (!['device', 'class', 'stream'].includes(key)) fail(`unknown resource field "${key}" (allowed: device, class, stream)`);
  const request: PolicyRequest = {
    subject,
    action: r.action as string,
    resource: { device: address(res.device, 'resource.device') },
    time: 0,
  };
  if (res.class !== undefined) {
    if (!Number.isInteger(res.class) || (res.class as number) < 0 || (res.class as number) > 0xffff)
      fail('resource.class must be an integer 0 to 65535');
    request.resource.class = res.class as number;
  }
  if (res.stream !== undefined) {
    if (typeof res.stream !== 'string' || !(STREAM_NAMES as readonly string[]).includes(res.stream)) {
      fail(`resource.stream must be one of ${STREAM_NAMES.join(', ')}`);
    }
    request.resource.stream = res.stream as StreamName;
  }
  if (r.roles !== undefined) {
    if (!Array.isArray(r.roles) || r.roles.some((role) => !(SUBJECT_ROLES as readonly unknown[]).includes(role))) {
      fail(`roles must be a list of ${SUBJECT_ROLES.join(', ')}`);
    }
    request.roles = r.roles as SubjectRole[];
  }
  if (r.purpose !== undefined) {
    if (typeof r.purpose !== 'string' || r.purpose.length === 0) fail('purpose must be a non-empty string');
    request.purpose = r.purpose as string;
  }
  if (typeof r.time === 'number' && Number.isSafeInteger(r.time) && r.time >= 0) request.time = r.time;
  else if (typeof r.time === 'string' && instantSeconds(r.time) !== undefined) request.time = instantSeconds(r.time)!;
  else fail('time must be unix seconds or a UTC time like 2026-01-31T12:00:00Z');
  if (r.consentId !== undefined) {
    const id = r.consentId;
    if (!((typeof id === 'number' && Number.isSafeInteger(id) && id > 0) || (typeof id === 'string' && /^[1-9]\d{0,77}$/.test(id)))) {
      fail('consentId must be a positive integer');
    }
    request.consentId = BigInt(id as number | string);
  }
  if (r.party !== undefined) request.party = address(r.party, 'party');
  if (r.retentionDays !== undefined) {
    if (!Number.isSafeInteger(r.retentionDays) || (r.retentionDays as number) < 0) fail('retentionDays must be a whole number of days');
    request.retentionDays = r.retentionDays as number;
  }
  return request;
}

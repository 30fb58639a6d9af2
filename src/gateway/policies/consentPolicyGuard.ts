import { zeroHash, type Address, type Hex, type PublicClient } from 'viem';
import { readConsent } from '../../chain/consent/readConsent.js';
import { recipientTermsAbi } from '../../contracts/abis.js';
import {
  compilePolicyTerms,
  evaluatePolicy,
  parsePolicy,
  type PolicyDecision,
  type PolicyLedger,
  type PolicyRequest,
} from '../../policy/index.js';
import type { PolicyDocument } from '../../policy/types.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import type { PolicyStore } from './policyStore.js';

/**
 * The consent's policy, applied by the one evaluator (src/policy) before the gateway serves data
 * or relays a command under a consent the ConsentRegistry already permits. A consent without a
 * policy is governed by the consent alone. A consent whose policy document the gateway does not
 * hold is refused: an unenforceable policy must not be read as "no policy".
 */
export type ConsentPolicyGuardOptions = {
  publicClient: PublicClient;
  consentRegistry: Address;
  store: PolicyStore;
  ledger: PolicyLedger;
  /**
   * RecipientTerms (issue #12): a policy's minimum bond means a bond at stake, so data under a policy
   * requiring one is served only once the recipient has accepted the consent's terms. Without it
   * (a deployment from before issue #12) the bond alone is checked.
   */
  recipientTerms?: Address;
  /** Where ConsentGranted events are searched from (the deployment block). Default 0. */
  fromBlock?: bigint;
};

export type PolicyCheck =
  | { ok: true; decisions: PolicyDecision[] }
  | { ok: false; reason: 'policy_unavailable' | 'policy_denied' | 'insufficient_bond' | 'terms_not_accepted'; message: string };

type ConsentFacts = { policyId: Hex; purpose: string };

export class ConsentPolicyGuard {
  /** What a consent says that never changes (policy, purpose): read once per consent. */
  private readonly facts = new Map<bigint, ConsentFacts>();
  private readonly documents = new Map<Hex, PolicyDocument>();
  /** Consents whose terms were accepted: an acceptance is never undone. */
  private readonly accepted = new Set<bigint>();

  constructor(private readonly options: ConsentPolicyGuardOptions) {}

  /**
   * Evaluates `action` on each of `streams` (or once, for a command) for the consent's recipient.
   * Every evaluation must permit.
   */
  async check(input: {
    consentId: bigint;
    recipient: Address;
    device: Address;
    /** The device's class (from the fleet), for rules that name classes. */
    deviceClass: number;
    action: string;
    streams?: readonly PolicyRequest['resource']['stream'][];
    nowSeconds: number;
  }): Promise<PolicyCheck> {
    const facts = await this.factsOf(input.consentId);
    if (facts.policyId === zeroHash) return { ok: true, decisions: [] };
    const policy = this.documentOf(facts.policyId);
    if (!policy) {
      return {
        ok: false,
        reason: 'policy_unavailable',
        message: `consent ${input.consentId} is governed by policy ${facts.policyId}, whose document this gateway does not hold`,
      };
    }
    const minimumBond = BigInt(compilePolicyTerms(policy).minimumBondWei);
    if (minimumBond > 0n && input.action === 'read') {
      if (!(await this.termsAccepted(input.consentId))) {
        return {
          ok: false,
          reason: 'terms_not_accepted',
          message: `policy ${facts.policyId} stakes a bond of ${minimumBond} wei, and ${input.recipient} has not accepted the terms of consent ${input.consentId} (pythia consent accept ${input.consentId})`,
        };
      }
      let bond: bigint;
      try {
        bond = await this.options.ledger.bondOf(input.recipient);
      } catch (error) {
        throw new ChainUnavailableError(`could not read the bond of ${input.recipient}: ${shortError(error)}`);
      }
      if (bond < minimumBond) {
        return {
          ok: false,
          reason: 'insufficient_bond',
          message: `policy ${facts.policyId} requires a bond of ${minimumBond} wei to receive data; ${input.recipient} has ${bond}`,
        };
      }
    }
    const decisions: PolicyDecision[] = [];
    for (const stream of input.streams ?? [undefined]) {
      const request: PolicyRequest = {
        subject: input.recipient,
        roles: ['consent-recipient'],
        action: input.action,
        resource: { device: input.device, class: input.deviceClass, ...(stream && { stream }) },
        purpose: facts.purpose,
        time: input.nowSeconds,
        consentId: input.consentId,
      };
      let decision: PolicyDecision;
      try {
        decision = await evaluatePolicy(policy, request, this.options.ledger);
      } catch (error) {
        throw new ChainUnavailableError(`could not evaluate policy ${facts.policyId}: ${shortError(error)}`);
      }
      if (decision.decision !== 'permit') {
        const why = decision.ruleId ? `rule ${decision.ruleId}` : 'no rule applies';
        return {
          ok: false,
          reason: 'policy_denied',
          message: `policy ${facts.policyId} does not permit ${input.action}${stream ? ` of ${stream}` : ''}: ${decision.decision} (${why}; ${decision.reasons.at(-1) ?? ''})`,
        };
      }
      decisions.push(decision);
    }
    return { ok: true, decisions };
  }

  private async termsAccepted(consentId: bigint): Promise<boolean> {
    const { recipientTerms, publicClient } = this.options;
    if (!recipientTerms || this.accepted.has(consentId)) return true;
    let acceptedAt: bigint;
    try {
      acceptedAt = await publicClient.readContract({
        address: recipientTerms,
        abi: recipientTermsAbi,
        functionName: 'acceptedAt',
        args: [consentId],
      });
    } catch (error) {
      throw new ChainUnavailableError(`could not read whether consent ${consentId}'s terms were accepted: ${shortError(error)}`);
    }
    if (acceptedAt === 0n) return false;
    this.accepted.add(consentId);
    return true;
  }

  private async factsOf(consentId: bigint): Promise<ConsentFacts> {
    const known = this.facts.get(consentId);
    if (known) return known;
    try {
      const record = await readConsent({
        publicClient: this.options.publicClient,
        registry: this.options.consentRegistry,
        consentId,
        ...(this.options.fromBlock !== undefined && { fromBlock: this.options.fromBlock }),
      });
      const facts = { policyId: record.policyId, purpose: record.purpose };
      this.facts.set(consentId, facts);
      return facts;
    } catch (error) {
      throw new ChainUnavailableError(`could not read consent ${consentId}: ${shortError(error)}`);
    }
  }

  private documentOf(policyId: Hex): PolicyDocument | undefined {
    const cached = this.documents.get(policyId);
    if (cached) return cached;
    const stored = this.options.store.get(policyId);
    if (!stored) return undefined;
    const parsed = parsePolicy(stored.canonicalJson);
    if (!parsed.ok) return undefined; // stored only after it parsed; a newer parser may be stricter
    this.documents.set(policyId, parsed.policy);
    return parsed.policy;
  }
}

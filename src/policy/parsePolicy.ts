import { getAddress, isAddress } from 'viem';
import { canonicalJson } from './canonical.js';
import { JsonSyntaxError, parseJsonSource, type JsonNode, type SourcePosition } from './jsonSource.js';
import type {
  LedgerRequirement,
  ParsePolicyResult,
  PolicyDocument,
  PolicyError,
  PolicyRule,
  PolicyTarget,
  PolicyTermsDocument,
  ResourceMatch,
  RuleConditions,
  TimeWindow,
} from './types.js';
import {
  COMBINING_ALGORITHMS,
  LEDGER_RECORD_KINDS,
  MAX_DAYS,
  POLICY_LANGUAGE_VERSION,
  POLICY_NAME,
  STREAM_NAMES,
  SUBJECT_ROLES,
  UINT128_MAX,
  isAction,
} from './vocabulary.js';

const MAX_RULES = 256;
const MAX_LIST = 256;
const MAX_TEXT = 1024;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z$/;
const DAILY_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Reads a policy document (docs/policies.md): JSON syntax, then every field's type and vocabulary,
 * then the contradictions between fields. Every error carries the line and column where it is
 * (for a missing field: where its object starts) and the field's path ($.rules[0].action[1]).
 */
export function parsePolicy(text: string): ParsePolicyResult {
  let root: JsonNode;
  try {
    root = parseJsonSource(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const message = error.message.replace(/^\d+:\d+: /, '');
      return { ok: false, errors: [{ line: error.at.line, column: error.at.column, path: '$', message: `JSON syntax: ${message}` }] };
    }
    throw error;
  }
  const checker = new Checker();
  const policy = checker.document(root);
  if (checker.errors.length > 0 || policy === undefined) return { ok: false, errors: checker.sortedErrors() };
  return { ok: true, policy };
}

type Field<T> = (node: JsonNode, path: string) => T | undefined;

class Checker {
  readonly errors: PolicyError[] = [];
  /** Where each path's value (and key) is, for errors found once the whole document is read. */
  private readonly positions = new Map<string, SourcePosition>();

  sortedErrors(): PolicyError[] {
    return [...this.errors].sort((a, b) => a.line - b.line || a.column - b.column || (a.message < b.message ? -1 : 1));
  }

  error(at: SourcePosition, path: string, message: string): undefined {
    if (!this.errors.some((e) => e.line === at.line && e.column === at.column && e.message === message)) {
      this.errors.push({ line: at.line, column: at.column, path, message });
    }
    return undefined;
  }

  at(path: string): SourcePosition {
    return this.positions.get(path) ?? { offset: 0, line: 1, column: 1 };
  }

  // ---- generic shapes -------------------------------------------------------------------------

  object<T extends object>(
    node: JsonNode,
    path: string,
    fields: { [K in keyof T]-?: Field<T[K]> },
    required: Array<keyof T>,
  ): T | undefined {
    this.positions.set(path, node.at);
    if (node.kind !== 'object') return this.error(node.at, path, `must be an object, got ${kindOf(node)}`);
    const out: Record<string, unknown> = {};
    let complete = true;
    const known = Object.keys(fields);
    for (const entry of node.entries) {
      const fieldPath = `${path}.${entry.key}`;
      const read = (fields as Record<string, Field<unknown>>)[entry.key];
      if (!read) {
        this.error(entry.keyAt, fieldPath, `unknown field "${entry.key}"${suggest(entry.key, known)} (allowed: ${known.join(', ')})`);
        continue;
      }
      this.positions.set(`${fieldPath}#key`, entry.keyAt);
      this.positions.set(fieldPath, entry.value.at);
      const value = read(entry.value, fieldPath);
      if (value === undefined) complete = false;
      else out[entry.key] = value;
    }
    for (const name of required) {
      if (!node.entries.some((e) => e.key === name)) {
        this.error(node.at, `${path}.${String(name)}`, `missing field "${String(name)}"`);
        complete = false;
      }
    }
    return complete ? (out as T) : undefined;
  }

  list<T>(item: Field<T>, options: { max?: number; unique?: boolean } = {}): Field<T[]> {
    return (node, path) => {
      this.positions.set(path, node.at);
      if (node.kind !== 'array') return this.error(node.at, path, `must be an array, got ${kindOf(node)}`);
      if (node.items.length === 0) return this.error(node.at, path, 'must not be empty (an empty list matches nothing)');
      const max = options.max ?? MAX_LIST;
      if (node.items.length > max) return this.error(node.items[max]!.at, path, `at most ${max} entries`);
      const out: T[] = [];
      let complete = true;
      const seen = new Map<string, number>();
      node.items.forEach((child, i) => {
        const childPath = `${path}[${i}]`;
        this.positions.set(childPath, child.at);
        const value = item(child, childPath);
        if (value === undefined) {
          complete = false;
          return;
        }
        if (options.unique !== false) {
          const key = JSON.stringify(value);
          const first = seen.get(key);
          if (first !== undefined) {
            this.error(child.at, childPath, `duplicate entry ${JSON.stringify(value)} (already at ${path}[${first}])`);
            complete = false;
            return;
          }
          seen.set(key, i);
        }
        out.push(value);
      });
      return complete ? out : undefined;
    };
  }

  string(options: { max?: number; pattern?: RegExp; describe?: string; oneOf?: readonly string[] } = {}): Field<string> {
    return (node, path) => {
      if (node.kind !== 'string') return this.error(node.at, path, `must be a string, got ${kindOf(node)}`);
      const { value } = node;
      if (options.oneOf && !options.oneOf.includes(value)) {
        return this.error(node.at, path, `unknown value "${value}"${suggest(value, options.oneOf)} (allowed: ${options.oneOf.join(', ')})`);
      }
      if (value.trim().length === 0) return this.error(node.at, path, 'must not be empty');
      if (value.length > (options.max ?? MAX_TEXT)) return this.error(node.at, path, `at most ${options.max ?? MAX_TEXT} characters`);
      if (options.pattern && !options.pattern.test(value)) {
        return this.error(node.at, path, `"${value}" is not ${options.describe ?? `of the form ${options.pattern}`}`);
      }
      return value;
    };
  }

  boolean: Field<boolean> = (node, path) =>
    node.kind === 'boolean' ? node.value : this.error(node.at, path, `must be true or false, got ${kindOf(node)}`);

  integer(min: number, max: number, unit = ''): Field<number> {
    return (node, path) => {
      if (node.kind !== 'number') return this.error(node.at, path, `must be an integer, got ${kindOf(node)}`);
      if (!/^-?\d+$/.test(node.lexeme)) return this.error(node.at, path, `must be an integer, got ${node.lexeme}`);
      if (!Number.isSafeInteger(node.value) || node.value < min || node.value > max) {
        return this.error(node.at, path, `must be between ${min} and ${max}${unit}, got ${node.lexeme}`);
      }
      return node.value;
    };
  }

  wei: Field<string> = (node, path) => {
    if (node.kind === 'number')
      return this.error(node.at, path, `must be a decimal string of wei (e.g. "${node.lexeme}"): JSON numbers lose precision`);
    if (node.kind !== 'string') return this.error(node.at, path, `must be a decimal string of wei, got ${kindOf(node)}`);
    if (!/^(0|[1-9]\d*)$/.test(node.value))
      return this.error(node.at, path, `"${node.value}" is not a whole number of wei (digits only, no leading zero)`);
    if (BigInt(node.value) > UINT128_MAX) return this.error(node.at, path, 'is above 2^128 - 1 wei');
    return node.value;
  };

  address: Field<`0x${string}`> = (node, path) => {
    if (node.kind !== 'string') return this.error(node.at, path, `must be an address string, got ${kindOf(node)}`);
    const { value } = node;
    if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return this.error(node.at, path, `"${value}" is not an address (0x + 40 hex digits)`);
    if (!isAddress(value, { strict: true }))
      return this.error(node.at, path, `"${value}" has a wrong EIP-55 checksum (write ${getAddress(value)} or all lower case)`);
    return value as `0x${string}`;
  };

  // ---- the language -----------------------------------------------------------------------------

  document(root: JsonNode): PolicyDocument | undefined {
    const doc = this.object<PolicyDocument>(
      root,
      '$',
      {
        pythiaPolicy: (node, path) => {
          if (node.kind === 'number' && node.lexeme === String(POLICY_LANGUAGE_VERSION)) return POLICY_LANGUAGE_VERSION;
          if (node.kind === 'number')
            return this.error(
              node.at,
              path,
              `unsupported policy language version ${node.lexeme} (this Pythia reads ${POLICY_LANGUAGE_VERSION})`,
            );
          return this.error(node.at, path, `must be the number ${POLICY_LANGUAGE_VERSION}, got ${kindOf(node)}`);
        },
        name: this.string({
          pattern: POLICY_NAME,
          describe: 'a policy name (lower case letters, digits, ".", "_", "-"; 1 to 64, starting with a letter or digit)',
        }),
        description: this.string(),
        target: (node, path) => this.target(node, path),
        combining: this.string({ oneOf: COMBINING_ALGORITHMS }) as Field<PolicyDocument['combining']>,
        rules: this.list((node, path) => this.rule(node, path), { max: MAX_RULES, unique: false }),
        terms: (node, path) => this.terms(node, path),
      },
      ['pythiaPolicy', 'name', 'combining', 'rules', 'terms'],
    );
    if (root.kind !== 'object') return undefined;
    // Contradictions need the parts that did parse; they are checked even when others did not.
    const partial = root.entries.find((e) => e.key === 'rules');
    const termsNode = root.entries.find((e) => e.key === 'terms');
    const terms = termsNode ? this.quiet(() => this.terms(termsNode.value, '$.terms')) : undefined;
    const targetNode = root.entries.find((e) => e.key === 'target');
    const target = targetNode ? this.quiet(() => this.target(targetNode.value, '$.target')) : undefined;
    const combining = root.entries.find((e) => e.key === 'combining')?.value;
    if (partial?.value.kind === 'array') {
      const rules = partial.value.items.map((item, i) => ({ i, rule: this.quiet(() => this.rule(item, `$.rules[${i}]`)) }));
      this.crossCheckRules(rules, terms, target, combining?.kind === 'string' ? combining.value : undefined);
    }
    if (terms) this.checkTerms(terms);
    return doc;
  }

  /** Runs a reader without recording its errors (they were recorded on the first pass). */
  private quiet<T>(read: () => T | undefined): T | undefined {
    const before = this.errors.length;
    const value = read();
    this.errors.length = before;
    return value;
  }

  target(node: JsonNode, path: string): PolicyTarget | undefined {
    const target = this.object<PolicyTarget>(
      node,
      path,
      {
        subjects: this.subjects(),
        resources: (n, p) => this.resource(n, p),
        actions: this.actions(),
      },
      [],
    );
    if (target && Object.keys(target).length === 0)
      return this.error(node.at, path, 'an empty target: leave it out to target every request');
    return target;
  }

  subjects(): Field<string[]> {
    const list = this.list<string>((node, path) => {
      if (node.kind === 'string' && node.value.startsWith('0x')) return this.address(node, path);
      return this.string({ oneOf: SUBJECT_ROLES })(node, path);
    });
    return (node, path) => {
      const subjects = list(node, path);
      if (subjects?.includes('any') && subjects.length > 1) {
        return this.error(node.at, path, '"any" already covers every subject: list it alone');
      }
      return subjects;
    };
  }

  actions(): Field<string[]> {
    const list = this.list<string>((node, path) => {
      if (node.kind !== 'string') return this.error(node.at, path, `must be an action string, got ${kindOf(node)}`);
      if (!isAction(node.value)) {
        return this.error(
          node.at,
          path,
          `unknown action "${node.value}" (allowed: read, retain, share-onward, command:<name> with a lower-case name, command:*)`,
        );
      }
      return node.value;
    });
    return (node, path) => {
      const actions = list(node, path);
      if (actions?.includes('command:*')) {
        const covered = actions.find((a) => a.startsWith('command:') && a !== 'command:*');
        if (covered) return this.error(node.at, path, `"command:*" already covers "${covered}"`);
      }
      return actions;
    };
  }

  resource(node: JsonNode, path: string): ResourceMatch | undefined {
    return this.object<ResourceMatch>(
      node,
      path,
      {
        devices: this.list(this.address),
        classes: this.list(this.integer(0, 0xffff)),
        streams: this.list(this.string({ oneOf: STREAM_NAMES })) as Field<ResourceMatch['streams']>,
      },
      [],
    );
  }

  rule(node: JsonNode, path: string): PolicyRule | undefined {
    return this.object<PolicyRule>(
      node,
      path,
      {
        id: this.string({ pattern: RULE_ID, describe: 'a rule id (letters, digits, ".", "_", "-"; 1 to 64)' }),
        description: this.string(),
        effect: this.string({ oneOf: ['permit', 'deny'] }) as Field<PolicyRule['effect']>,
        subject: this.subjects(),
        resource: (n, p) => this.resource(n, p),
        action: this.actions(),
        conditions: (n, p) => this.conditions(n, p),
      },
      ['id', 'effect', 'subject', 'resource', 'action'],
    );
  }

  conditions(node: JsonNode, path: string): RuleConditions | undefined {
    return this.object<RuleConditions>(
      node,
      path,
      {
        purpose: this.list(this.string({ max: 128 })),
        timeWindow: (n, p) => this.timeWindow(n, p),
        retentionDays: this.integer(1, MAX_DAYS, ' days'),
        onwardSharing: this.boolean,
        notifyOwner: this.boolean,
        requiresLedgerRecord: this.list((n, p) => this.ledgerRequirement(n, p), { max: 8 }),
      },
      [],
    );
  }

  timeWindow(node: JsonNode, path: string): TimeWindow | undefined {
    const instant: Field<string> = (n, p) => {
      if (n.kind !== 'string') return this.error(n.at, p, `must be an ISO 8601 UTC time string, got ${kindOf(n)}`);
      if (instantSeconds(n.value) === undefined) return this.error(n.at, p, `"${n.value}" is not a UTC time like 2026-01-31T00:00:00Z`);
      return n.value;
    };
    const daily: Field<string> = (n, p) => {
      if (n.kind !== 'string') return this.error(n.at, p, `must be a time of day "HH:MM", got ${kindOf(n)}`);
      if (!DAILY_TIME.test(n.value) && !(p.endsWith('dailyTo') && n.value === '24:00')) {
        return this.error(n.at, p, `"${n.value}" is not a time of day HH:MM (00:00 to 23:59; dailyTo may be 24:00)`);
      }
      return n.value;
    };
    const window = this.object<TimeWindow>(node, path, { from: instant, to: instant, dailyFrom: daily, dailyTo: daily }, []);
    if (!window) return undefined;
    if (Object.keys(window).length === 0) return this.error(node.at, path, 'an empty time window: give from/to and/or dailyFrom/dailyTo');
    if (window.from && window.to && instantSeconds(window.from)! >= instantSeconds(window.to)!) {
      return this.error(
        this.at(`${path}.to`),
        `${path}.to`,
        `contradiction: the window ends (${window.to}) before or when it starts (${window.from})`,
      );
    }
    if ((window.dailyFrom === undefined) !== (window.dailyTo === undefined)) {
      const given = window.dailyFrom === undefined ? 'dailyTo' : 'dailyFrom';
      return this.error(this.at(`${path}.${given}`), `${path}.${given}`, 'dailyFrom and dailyTo go together');
    }
    if (window.dailyFrom !== undefined && minutesOfDay(window.dailyFrom) === minutesOfDay(window.dailyTo!) % 1440) {
      return this.error(this.at(`${path}.dailyTo`), `${path}.dailyTo`, 'contradiction: dailyFrom equals dailyTo, an empty daily window');
    }
    return window;
  }

  ledgerRequirement(node: JsonNode, path: string): LedgerRequirement | undefined {
    const requirement = this.object<{ kind: LedgerRequirement['kind']; wei?: string }>(
      node,
      path,
      { kind: this.string({ oneOf: LEDGER_RECORD_KINDS }) as Field<LedgerRequirement['kind']>, wei: this.wei },
      ['kind'],
    );
    if (!requirement) return undefined;
    if (requirement.wei !== undefined && requirement.kind !== 'bond-at-least') {
      return this.error(this.at(`${path}.wei#key`), `${path}.wei`, `"wei" belongs to kind "bond-at-least", not "${requirement.kind}"`);
    }
    if (requirement.wei === '0')
      return this.error(this.at(`${path}.wei`), `${path}.wei`, 'a bond of at least 0 wei requires nothing: give a positive amount');
    return requirement;
  }

  terms(node: JsonNode, path: string): PolicyTermsDocument | undefined {
    return this.object<PolicyTermsDocument>(
      node,
      path,
      {
        onwardSharing: this.boolean,
        notifyOwner: this.boolean,
        retentionDays: this.integer(1, MAX_DAYS, ' days'),
        deleteOnRevoke: this.boolean,
        deletionPeriodDays: this.integer(1, MAX_DAYS, ' days'),
        penaltyWei: this.wei,
        minimumBondWei: this.wei,
      },
      [],
    );
  }

  // ---- contradictions -----------------------------------------------------------------------------

  checkTerms(terms: PolicyTermsDocument): void {
    if (terms.deleteOnRevoke === true && terms.deletionPeriodDays === undefined) {
      this.error(
        this.at('$.terms.deleteOnRevoke'),
        '$.terms.deleteOnRevoke',
        'deleteOnRevoke needs deletionPeriodDays: how many days a recipient has to delete',
      );
    }
    if (terms.notifyOwner === true && terms.onwardSharing !== true) {
      this.error(
        this.at('$.terms.notifyOwner'),
        '$.terms.notifyOwner',
        "contradiction: terms.notifyOwner notifies the owner of every onward share, but terms.onwardSharing is not true (PolicyRegistry refuses it; put notifyOwner in a rule's conditions instead)",
      );
    }
    if (terms.deletionPeriodDays !== undefined && terms.deleteOnRevoke !== true) {
      this.error(
        this.at('$.terms.deletionPeriodDays'),
        '$.terms.deletionPeriodDays',
        'contradiction: a deletion period without deleteOnRevoke: true (nothing would ever be deleted)',
      );
    }
  }

  crossCheckRules(
    rules: Array<{ i: number; rule: PolicyRule | undefined }>,
    terms: PolicyTermsDocument | undefined,
    target: PolicyTarget | undefined,
    combining: string | undefined,
  ): void {
    const ids = new Map<string, number>();
    const sameConditions = new Map<string, { effect: string; id: string }>();
    const unconditional = new Map<string, string>();
    for (const { i, rule } of rules) {
      const p = `$.rules[${i}]`;
      if (!rule) continue;
      const firstAt = ids.get(rule.id);
      if (firstAt !== undefined) {
        this.error(
          this.at(`${p}.id`),
          `${p}.id`,
          `duplicate rule id "${rule.id}" (also $.rules[${firstAt}], line ${this.at(`$.rules[${firstAt}].id`).line})`,
        );
      } else ids.set(rule.id, i);

      const c = rule.conditions ?? {};
      const permitsSharing = rule.effect === 'permit' && rule.action.includes('share-onward');
      const sharingAt = `${p}.action[${rule.action.indexOf('share-onward')}]`;
      if (rule.effect === 'deny') {
        for (const obligation of ['retentionDays', 'onwardSharing', 'notifyOwner'] as const) {
          if (c[obligation] !== undefined) {
            this.error(
              this.at(`${p}.conditions.${obligation}#key`),
              `${p}.conditions.${obligation}`,
              `"${obligation}" is an obligation of a permit; a deny rule grants nothing to attach it to`,
            );
          }
        }
      }
      if (permitsSharing && terms && terms.onwardSharing !== true) {
        this.error(
          this.at(sharingAt),
          sharingAt,
          'contradiction: the rule permits share-onward but terms.onwardSharing is not true (the policy forbids onward sharing)',
        );
      }
      if (permitsSharing && c.onwardSharing === false) {
        this.error(
          this.at(`${p}.conditions.onwardSharing`),
          `${p}.conditions.onwardSharing`,
          'contradiction: the rule permits share-onward with onwardSharing: false',
        );
      }
      if (c.onwardSharing === true && terms && terms.onwardSharing !== true) {
        this.error(
          this.at(`${p}.conditions.onwardSharing`),
          `${p}.conditions.onwardSharing`,
          'contradiction: onwardSharing: true but terms.onwardSharing is not true (the policy forbids onward sharing)',
        );
      }
      if (c.notifyOwner === false && terms?.notifyOwner === true) {
        this.error(
          this.at(`${p}.conditions.notifyOwner`),
          `${p}.conditions.notifyOwner`,
          'contradiction: terms.notifyOwner is true: a rule cannot waive notifying the owner',
        );
      }
      if (c.retentionDays !== undefined && terms?.retentionDays !== undefined && c.retentionDays > terms.retentionDays) {
        this.error(
          this.at(`${p}.conditions.retentionDays`),
          `${p}.conditions.retentionDays`,
          `contradiction: retention of ${c.retentionDays} days exceeds the policy's limit of ${terms.retentionDays} days (terms.retentionDays)`,
        );
      }
      c.requiresLedgerRecord?.forEach((r, k) => {
        if (r.kind === 'bond-at-least' && r.wei === undefined && (terms?.minimumBondWei ?? '0') === '0') {
          const rp = `${p}.conditions.requiresLedgerRecord[${k}]`;
          this.error(this.at(rp), rp, 'bond-at-least without "wei" uses terms.minimumBondWei, which is not set (or 0)');
        }
      });
      if (target?.actions) {
        rule.action.forEach((action, k) => {
          if (!actionCovered(target.actions!, action)) {
            this.error(
              this.at(`${p}.action[${k}]`),
              `${p}.action[${k}]`,
              `the rule can never apply: action "${action}" is outside target.actions`,
            );
          }
        });
      }
      if (target?.resources?.streams && rule.resource.streams) {
        rule.resource.streams.forEach((stream, k) => {
          if (!target.resources!.streams!.includes(stream)) {
            const sp = `${p}.resource.streams[${k}]`;
            this.error(this.at(sp), sp, `the rule can never apply: stream "${stream}" is outside target.resources.streams`);
          }
        });
      }
      // The same requests, under the same conditions: opposite effects contradict; under
      // first-applicable, a later rule behind an unconditional one is never reached.
      const shape = JSON.stringify([sortedCopy(rule.subject), sortedResource(rule.resource), sortedCopy(rule.action)]);
      const withConditions = `${shape}|${canonicalJson(rule.conditions ?? {})}`;
      const same = sameConditions.get(withConditions);
      const earlier = unconditional.get(shape);
      if (same && same.effect !== rule.effect) {
        this.error(
          this.at(`${p}.effect`),
          `${p}.effect`,
          `contradiction: rule "${same.id}" ${same.effect}s the same subjects, resources and actions under the same conditions`,
        );
      } else if (combining === 'first-applicable' && earlier) {
        this.error(
          this.at(p),
          p,
          `unreachable under first-applicable: rule "${earlier}" before it matches the same requests unconditionally`,
        );
      }
      if (!sameConditions.has(withConditions)) sameConditions.set(withConditions, { effect: rule.effect, id: rule.id });
      if (rule.conditions === undefined && !unconditional.has(shape)) unconditional.set(shape, rule.id);
    }
  }
}

function actionCovered(allowed: readonly string[], action: string): boolean {
  if (allowed.includes(action)) return true;
  return action.startsWith('command:') && allowed.includes('command:*');
}

function sortedCopy<T>(values: readonly T[]): T[] {
  return [...values].map((v) => (typeof v === 'string' ? (v.toLowerCase() as T) : v)).sort();
}

function sortedResource(resource: ResourceMatch): unknown {
  return {
    devices: resource.devices ? sortedCopy(resource.devices) : null,
    classes: resource.classes ? [...resource.classes].sort((a, b) => a - b) : null,
    streams: resource.streams ? sortedCopy(resource.streams) : null,
  };
}

function kindOf(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return `the string ${JSON.stringify(node.value.length > 40 ? `${node.value.slice(0, 40)}…` : node.value)}`;
    case 'number':
      return `the number ${node.lexeme}`;
    case 'boolean':
      return String(node.value);
    default:
      return 'null';
  }
}

/** ", did you mean X?" for a near miss (edit distance ≤ 2), else nothing. */
function suggest(value: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(value.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : `, did you mean "${best}"?`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Unix seconds of "YYYY-MM-DDTHH:MM[:SS]Z", or undefined when it is not a real UTC instant. */
export function instantSeconds(value: string): number | undefined {
  const m = ISO_INSTANT.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(ms);
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  )
    return undefined;
  return ms / 1000;
}

/** Minutes since midnight of "HH:MM" (24:00 → 1440). */
export function minutesOfDay(value: string): number {
  const [h, m] = value.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

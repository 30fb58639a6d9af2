import { useEffect, useState } from 'react';
import type { IndexedReading } from './api.js';
import { type CheckEvidenceParameters, checkEvidence, type EvidenceCheck } from './checkEvidence.js';
import { time } from './format.js';
import type { MetricAxis } from './ReadingsChart.js';

const shown = (raw: number, axis: MetricAxis) => `${+(raw / axis.scale).toFixed(2)} ${axis.unit}`;

/** What a broken rule means for this reading, in words, with the profile's numbers. */
function ruleExplained(rule: string, reading: IndexedReading, axes: MetricAxis[]): string {
  const flag = reading.flag;
  const axis = flag ? axes[flag.metric] : undefined;
  if (rule === 'OutOfRange' && flag && axis)
    return `${axis.label}: ${shown(flag.value, axis)} (raw ${flag.value}) is outside the profile's range, ${shown(axis.min, axis)} to ${shown(axis.max, axis)} (raw ${axis.min} to ${axis.max})`;
  if (rule === 'ExcessiveChange' && flag && axis)
    return `${axis.label} changed more than the profile's maxDelta since the previous reading`;
  if (rule === 'TooFrequent') return "sent sooner after the previous reading than the profile's minInterval";
  if (rule === 'ClockSkew') return "the device's time is further from the block's time than the profile's maxClockSkew";
  if (rule === 'PayloadSize') return "the payload is longer than the profile's maxPayloadBytes";
  return rule;
}

/** The evidence of a flagged reading: where it is on chain, the signed reading itself, and the rule it broke. */
export function EvidencePanel({
  reading,
  axes,
  check,
  onClose,
}: {
  reading: IndexedReading;
  axes: MetricAxis[];
  check: CheckEvidenceParameters;
  onClose: () => void;
}) {
  const [checks, setChecks] = useState<EvidenceCheck[]>();
  // The check runs once per reading shown (the panel is keyed by it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: check is a new object on every render of the page
  useEffect(() => {
    let current = true;
    checkEvidence(check)
      .catch((error: unknown) => [{ what: 'check', ok: false, detail: `the check failed: ${(error as Error).message}` }])
      .then((result) => current && setChecks(result));
    return () => {
      current = false;
    };
  }, []);
  const holds = checks?.every((c) => c.ok !== false);
  return (
    <aside className="evidence" aria-label="evidence">
      <header>
        <h2>Evidence of reading #{reading.sequence}</h2>
        <button type="button" onClick={onClose}>
          close
        </button>
      </header>
      <dl className="facts">
        <dt>outcome</dt>
        <dd>
          {reading.outcome}
          {reading.final ? ' (final)' : ' (not final yet: a reorg may still undo it)'}
        </dd>
        <dt>block</dt>
        <dd>{reading.blockNumber}</dd>
        <dt>transaction</dt>
        <dd>
          <code>{reading.transactionHash}</code> (log {reading.logIndex})
        </dd>
        <dt>device</dt>
        <dd>
          <code>{reading.device}</code>
        </dd>
        <dt>device time</dt>
        <dd>
          {reading.timestamp} ({time(reading.timestamp)} UTC)
        </dd>
        <dt>signed payload</dt>
        <dd>
          <code>{reading.payload}</code>
        </dd>
        <dt>values</dt>
        <dd>{reading.values?.join(', ')}</dd>
        <dt>signature</dt>
        <dd>
          {reading.signature ? (
            <code>
              r {reading.signature.r}
              <br />
              vs {reading.signature.vs}
            </code>
          ) : (
            '—'
          )}
        </dd>
        <dt>rules broken</dt>
        <dd>
          <ul className="rules">
            {reading.flag?.rules.map((rule) => (
              <li key={rule}>
                <strong>{rule}</strong>: {ruleExplained(rule, reading, axes)}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      <section className="browser-check" aria-label="checked in this browser" data-holds={checks ? String(holds) : 'pending'}>
        <h3>Checked in this browser</h3>
        {!checks ? (
          <p className="muted">checking…</p>
        ) : (
          <>
            <p className={holds ? 'holds' : 'error'}>
              {holds
                ? 'The evidence holds: this browser recovered the device from the signed reading and found the same broken rules against the profile read from the chain.'
                : 'The evidence does NOT hold: see below.'}
            </p>
            <ul>
              {checks.map((c) => (
                <li key={c.what} data-ok={String(c.ok)}>
                  {c.ok === undefined ? '–' : c.ok ? '✓' : '✗'} <strong>{c.what}</strong>: {c.detail}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </aside>
  );
}

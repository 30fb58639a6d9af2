import { useCallback, useEffect, useState } from 'react';
import type { Address } from 'viem';
import { airQualityMetrics, AIR_QUALITY_CLASS_ID } from '../../../src/protocol/airQuality.js';
import type { ReadingDomain } from '../../../src/protocol/readingTypedData.js';
import {
  type IndexEventAnswer,
  type IndexedDevice,
  type IndexedReading,
  indexGet,
  isRefused,
  type IndexPage,
  type PublicDevice,
  publicGet,
  type IndexedStatusChange,
} from '../api.js';
import { ConsentTable, readRevokedConsents } from '../ConsentTable.js';
import { DeviceActions } from '../DeviceActions.js';
import { FirmwareRecord, OwnershipHistory } from '../DeviceRecords.js';
import { ProfileAction } from '../ProfileAction.js';
import { EvidencePanel } from '../EvidencePanel.js';
import { short, statusClass, time } from '../format.js';
import { type MetricAxis, ReadingsChart } from '../ReadingsChart.js';

/** The newest readings drawn (one page of the API). */
const READINGS_SHOWN = 500;
/** The newest flags listed, whether or not the chart reaches back to them (their own request). */
const FLAGS_SHOWN = 100;

type Loaded = {
  device: IndexedDevice;
  chain: PublicDevice;
  readings: IndexedReading[];
  /** true when `readings` reaches back to the device's first. */
  complete: boolean;
  /** Its newest flagged readings, from the flags route: older ones than the chart's window too. */
  flags: IndexPage<IndexedReading>;
  statusChanges: IndexedStatusChange[];
  /** Its DeviceRegistered and OwnershipTransferred events, newest first. */
  ownership: IndexEventAnswer[];
  /** Its newest FirmwareInstalled, and its newest firmware events. */
  installed: IndexEventAnswer | undefined;
  firmware: IndexEventAnswer[];
  /** The consents that name it (ConsentGranted), newest first. */
  consents: IndexEventAnswer[];
  revoked: ReadonlySet<string>;
  domain: ReadingDomain;
};

/** The device's events of some contracts and names (`device` matches its argument or a consent's device list). */
const eventsOf = (device: string, contract: string, name: string | undefined, limit: number) =>
  indexGet<IndexPage<IndexEventAnswer>>(
    `/v1/index/events?${new URLSearchParams({ contract, ...(name && { name }), device, limit: String(limit) })}`,
  );

type AbiAnswer = { chainId: number; addresses: { fleet: { address: Address } } };

/** The reading the contract compared this one with: the last recorded (accepted or flagged) before it; null if none; undefined if not loaded. */
function previousOf(reading: IndexedReading, readings: IndexedReading[], complete: boolean): IndexedReading | null | undefined {
  const before = readings.filter((r) => r.sequence < reading.sequence && r.outcome !== 'skipped');
  return before[before.length - 1] ?? (complete ? null : undefined);
}

/**
 * previousOf for the selected reading: from the chart's readings when they hold it, else (a flag
 * older than the chart's window) from the readings signed up to its time, read for it.
 */
function usePreviousReading(device: string, selected: IndexedReading | undefined, readings: IndexedReading[], complete: boolean) {
  const inChart = selected !== undefined && readings.some((r) => r.sequence === selected.sequence);
  const [older, setOlder] = useState<{ sequence: number; previous: IndexedReading | null | undefined }>();
  useEffect(() => {
    if (selected === undefined || inChart || selected.timestamp === null) return;
    let current = true;
    const search = new URLSearchParams({ order: 'desc', to: String(selected.timestamp), limit: '20' });
    indexGet<IndexPage<IndexedReading>>(`/v1/index/devices/${device}/readings?${search}`)
      .then((page) => {
        if (current)
          setOlder({ sequence: selected.sequence, previous: previousOf(selected, [...page.items].reverse(), page.next === null) });
      })
      .catch(() => current && setOlder({ sequence: selected.sequence, previous: undefined }));
    return () => {
      current = false;
    };
  }, [device, selected, inChart]);
  if (selected === undefined) return undefined;
  if (inChart) return previousOf(selected, readings, complete);
  return older?.sequence === selected.sequence ? older.previous : undefined;
}

/** The axes of a device's charts: its profile's limits, with the air-quality class's names and scales. */
function axesOf(chain: PublicDevice): MetricAxis[] {
  const { profile } = chain;
  return Array.from({ length: profile.metricCount }, (_, index) => {
    const known = chain.classId === AIR_QUALITY_CLASS_ID ? airQualityMetrics[index] : undefined;
    return {
      index,
      label: known?.label ?? `metric ${index}`,
      unit: known?.unit ?? 'raw',
      scale: known?.scale ?? 1,
      min: profile.minValue[index] ?? 0,
      max: profile.maxValue[index] ?? 0,
    };
  });
}

/**
 * One device: its state, its readings per metric against its profile, flagged readings with their
 * evidence, its status history, its owner and ownership history, its firmware, the consents on it.
 */
export function DevicePage({ device, onRefused }: { device: string; onRefused: () => void }) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<IndexedReading>();
  const previous = usePreviousReading(device, selected, loaded?.readings ?? [], loaded?.complete ?? false);

  const load = useCallback(async () => {
    try {
      const [indexed, chain, readings, flags, statusChanges, abi, ownership, installed, firmware, consents, revoked] = await Promise.all([
        indexGet<IndexedDevice>(`/v1/index/devices/${device}`),
        publicGet<PublicDevice>(`/v1/devices/${device}`),
        indexGet<IndexPage<IndexedReading>>(`/v1/index/devices/${device}/readings?order=desc&limit=${READINGS_SHOWN}`),
        indexGet<IndexPage<IndexedReading>>(`/v1/index/flags?device=${device}&limit=${FLAGS_SHOWN}`),
        indexGet<IndexPage<IndexedStatusChange>>(`/v1/index/status-changes?device=${device}&limit=100`),
        publicGet<AbiAnswer>('/v1/abi'),
        eventsOf(device, 'fleet,deviceOwnership', 'DeviceRegistered,OwnershipTransferred', 100),
        eventsOf(device, 'firmwareRegistry', 'FirmwareInstalled', 1),
        eventsOf(device, 'firmwareRegistry', undefined, 50),
        eventsOf(device, 'consentRegistry', 'ConsentGranted', 50),
        readRevokedConsents(),
      ]);
      setLoaded({
        device: indexed,
        chain,
        readings: readings.items.reverse(),
        complete: readings.next === null,
        flags,
        statusChanges: statusChanges.items,
        ownership: ownership.items,
        installed: installed.items[0],
        firmware: firmware.items,
        consents: consents.items,
        revoked,
        domain: { chainId: abi.chainId, verifyingContract: abi.addresses.fleet.address },
      });
      setError(undefined);
    } catch (e) {
      if (isRefused(e)) onRefused();
      else setError((e as Error).message);
    }
  }, [device, onRefused]);
  useEffect(() => {
    void load();
  }, [load]);

  if (error) return <p className="error">{error}</p>;
  if (!loaded) return <p className="muted">loading…</p>;
  const { device: d, chain, readings, flags, statusChanges, complete, domain, ownership, installed, firmware, consents, revoked } = loaded;
  const axes = axesOf(chain);
  const charted = new Set(readings.map((r) => r.sequence));
  const [first, last] = [readings[0], readings[readings.length - 1]];
  return (
    <section>
      <h1>
        Device <code>{d.device}</code>
      </h1>
      <dl className="facts">
        <dt>status</dt>
        <dd>
          <span className={statusClass(d.status)}>{d.status}</span> since block {d.statusBlock}
        </dd>
        <dt>class</dt>
        <dd>{d.classId}</dd>
        <dt>profile</dt>
        <dd>
          version {chain.profile.version} ({chain.profile.own ? "the device's own" : "its class's"}), read from the chain
        </dd>
        <dt>owner</dt>
        <dd>{d.owner ? <code>{d.owner}</code> : '—'}</dd>
        <dt>registered</dt>
        <dd>block {d.registeredBlock}</dd>
        <dt>readings</dt>
        <dd>
          {d.readings} ({d.flags} flagged)
        </dd>
      </dl>
      <button type="button" onClick={() => void load()}>
        Reload
      </button>
      <DeviceActions device={d.device} status={chain.status} onDone={() => void load()} onRefused={onRefused} />
      <ProfileAction classId={d.classId} profile={chain.profile} onDone={() => void load()} onRefused={onRefused} />
      <h2 data-chart-window={readings.length}>
        {readings.length === 0
          ? 'Readings: none yet'
          : `Readings: ${complete ? `all ${readings.length}` : `the newest ${readings.length} of ${d.readings}`}, device time ${time(first?.timestamp ?? null)} – ${time(last?.timestamp ?? null)}`}
      </h2>
      {!complete && (
        <p className="muted">
          The charts draw the newest {readings.length} readings only; every flag listed below, older ones included, opens its evidence.
        </p>
      )}
      <div className="charts">
        {axes.map((axis) => (
          <ReadingsChart key={axis.index} axis={axis} readings={readings} selected={selected} onSelect={setSelected} />
        ))}
      </div>
      {selected && (
        <EvidencePanel
          // Checked again once the previous reading of a flag older than the chart is read.
          key={`${selected.sequence}:${previous === undefined ? 'unknown' : (previous?.sequence ?? 'none')}`}
          reading={selected}
          axes={axes}
          check={{ reading: selected, previous, profile: chain.profile, domain }}
          onClose={() => setSelected(undefined)}
        />
      )}
      <h2>Flagged readings{flags.next !== null && `: the newest ${flags.items.length} of ${d.flags}`}</h2>
      {flags.items.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <table className="flags">
          <thead>
            <tr>
              <th>sequence</th>
              <th>device time</th>
              <th>rules broken</th>
              <th>block</th>
              <th>evidence</th>
            </tr>
          </thead>
          <tbody>
            {flags.items.map((r) => (
              <tr key={r.sequence} data-sequence={r.sequence} data-in-chart={charted.has(r.sequence)}>
                <td>#{r.sequence}</td>
                <td>
                  {time(r.timestamp)}
                  {!charted.has(r.sequence) && <span className="muted"> (older than the charts)</span>}
                </td>
                <td>{r.flag?.rules.join(', ')}</td>
                <td>{r.blockNumber}</td>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(r)}>
                    show
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Status history</h2>
      {statusChanges.length === 0 ? (
        <p className="muted">no change since its registration</p>
      ) : (
        <table className="status-history">
          <thead>
            <tr>
              <th>block</th>
              <th>change</th>
              <th>by</th>
              <th>reason</th>
              <th>transaction</th>
            </tr>
          </thead>
          <tbody>
            {statusChanges.map((s) => (
              <tr key={`${s.blockNumber}-${s.logIndex}`}>
                <td>{s.blockNumber}</td>
                <td>
                  {s.previous} → <span className={statusClass(s.current)}>{s.current}</span>
                </td>
                <td>
                  <code>{short(s.by)}</code>
                </td>
                <td>{s.reason}</td>
                <td>
                  <code title={s.transactionHash}>{short(s.transactionHash)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <OwnershipHistory device={d} events={ownership} />
      <FirmwareRecord installed={installed} events={firmware} />
      <h2>Consents on this device</h2>
      <ConsentTable grants={consents} revoked={revoked} device={d.device} />
    </section>
  );
}

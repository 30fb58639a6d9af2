import type { Profile } from './profile.js';

/** The air-quality device class (docs/protocol.md): class id, metric order and fixed-point scales. */
export const AIR_QUALITY_CLASS_ID = 1;

export type MetricName = 'pm25' | 'pm10' | 'no2' | 'o3' | 'temperature' | 'humidity';

export type MetricSpec = {
  name: MetricName;
  label: string;
  unit: string;
  /** value = raw / scale. */
  scale: number;
  /** Profile bounds, in raw units: far outside anything the simulated (or a sane real) sensor reports. */
  min: number;
  max: number;
  /**
   * Largest change between consecutive readings, raw units. Sized for readings at most
   * 3 simulated hours apart (see createFleet), with margin.
   */
  maxDelta: number;
};

export const airQualityMetrics: readonly MetricSpec[] = [
  // EU alert/limit context: PM2.5 daily 25 µg/m³ (WHO 15), NO2 hourly limit 200, alert 400; O3 alert 240.
  { name: 'pm25', label: 'PM2.5', unit: 'µg/m³', scale: 10, min: 0, max: 5000, maxDelta: 600 },
  { name: 'pm10', label: 'PM10', unit: 'µg/m³', scale: 10, min: 0, max: 6000, maxDelta: 1000 },
  { name: 'no2', label: 'NO₂', unit: 'µg/m³', scale: 10, min: 0, max: 4000, maxDelta: 1500 },
  { name: 'o3', label: 'O₃', unit: 'µg/m³', scale: 10, min: 0, max: 4000, maxDelta: 1500 },
  { name: 'temperature', label: 'Temperature', unit: '°C', scale: 100, min: -4000, max: 6000, maxDelta: 1000 },
  { name: 'humidity', label: 'Relative humidity', unit: '%', scale: 100, min: 0, max: 10000, maxDelta: 3000 },
] as const;

export const METRIC_INDEX: Readonly<Record<MetricName, number>> = Object.fromEntries(
  airQualityMetrics.map((m, i) => [m.name, i]),
) as Record<MetricName, number>;

/**
 * The behaviour profile the council sets for class 1 (fields of the contract's Profile struct).
 * Normal simulated data never breaks it; each attack of src/simulator/attacks breaks one rule.
 */
export const airQualityProfile: Profile = {
  metricCount: airQualityMetrics.length,
  maxPayloadBytes: 2 * airQualityMetrics.length,
  minInterval: 5,
  maxClockSkew: 120,
  flagThreshold: 3,
  flagWindow: 3600,
  suspensionsBeforeRevoke: 2,
  minValue: airQualityMetrics.map((m) => m.min),
  maxValue: airQualityMetrics.map((m) => m.max),
  maxDelta: airQualityMetrics.map((m) => m.maxDelta),
};

/** Physical value → raw int16 of a metric. */
export function toRaw(metric: number, value: number): number {
  return Math.round(value * airQualityMetrics[metric]!.scale);
}

/** Raw int16 → physical value of a metric. */
export function fromRaw(metric: number, raw: number): number {
  return raw / airQualityMetrics[metric]!.scale;
}

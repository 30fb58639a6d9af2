export {
  AIR_QUALITY_CLASS_ID,
  airQualityMetrics,
  airQualityProfile,
  fromRaw,
  METRIC_INDEX,
  toRaw,
  type MetricName,
  type MetricSpec,
} from '../protocol/airQuality.js';
export {
  airQualityValues,
  hourOfDay,
  nextReading,
  siteOf,
  sunlight,
  trafficIntensity,
  type SensorModel,
  type Site,
  type SiteKind,
} from './model.js';
export { createFleet, deterministicKey, MAX_SIMULATED_GAP, type CreateFleetParameters, type Fleet, type Sensor } from './fleet.js';
export { inspectReading, type InspectReadingParameters } from '../protocol/inspectReading.js';
export { hash32, seedOf, uniform, valueNoise } from './prng.js';
export * from './attacks/index.js';

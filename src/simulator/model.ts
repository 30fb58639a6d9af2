import { toRaw } from '../protocol/airQuality.js';
import { uniform, valueNoise } from './prng.js';

/**
 * The air-quality model. Per site: a baseline (roadside "traffic" sites vs "park" background
 * sites), daily cycles, day-to-day weather and sensor noise. A pure function of
 * (seed, sensor index, site, simulated time): no hidden state, so any reading can be recomputed.
 *
 * - NO2 and PM follow traffic: peaks at 08:00 and 18:00, low at night.
 * - O3 is photochemical: peaks mid-afternoon, and is titrated by NO2 (anti-correlated).
 * - Temperature is a sinusoid peaking at 15:00 plus a weather term; relative humidity falls as
 *   temperature rises (anti-correlated).
 */
export type SiteKind = 'traffic' | 'park';

export type Site = {
  kind: SiteKind;
  name: string;
  /** Position, for maps in the console (around a fictional town centre). */
  latitude: number;
  longitude: number;
  /** Pollution level of this site relative to its kind, 0.85 … 1.15. */
  level: number;
};

/** What the model needs of a sensor. */
export type SensorModel = { seed: number; index: number; site: Site };

const DAY = 86_400;
const HOUR = 3_600;

// Noise streams (any distinct integers).
const STREAM = { kind: 1, level: 2, lat: 3, lon: 4, weather: 10, sunshine: 11, metricNoise: 20, sensorNoise: 40 } as const;

const TOWN = { latitude: 52.2053, longitude: 0.1218 };

/** The site of sensor `index`: a deterministic draw (share `trafficShare` roadside). */
export function siteOf(seed: number, index: number, trafficShare = 0.6): Site {
  const kind: SiteKind = uniform(seed, STREAM.kind, index) < trafficShare ? 'traffic' : 'park';
  return {
    kind,
    name: `${kind === 'traffic' ? 'Roadside' : 'Park'} AQ-${String(index + 1).padStart(3, '0')}`,
    latitude: Number((TOWN.latitude + (uniform(seed, STREAM.lat, index) - 0.5) * 0.06).toFixed(5)),
    longitude: Number((TOWN.longitude + (uniform(seed, STREAM.lon, index) - 0.5) * 0.1).toFixed(5)),
    level: 0.85 + 0.3 * uniform(seed, STREAM.level, index),
  };
}

/** Hour of day, 0 ≤ h < 24, of a simulated time in seconds (day 0 starts at t = 0). */
export function hourOfDay(simulatedTime: number): number {
  return (((simulatedTime % DAY) + DAY) % DAY) / HOUR;
}

const gauss = (h: number, centre: number, width: number) => {
  const d = Math.abs(h - centre);
  const wrapped = Math.min(d, 24 - d);
  return Math.exp(-(wrapped * wrapped) / (2 * width * width));
};

/** Road traffic intensity, 0 … ~1: morning and evening rush hours. */
export function trafficIntensity(hour: number): number {
  return gauss(hour, 8, 1.5) + 0.8 * gauss(hour, 18, 2);
}

/** Photochemical activity (sunlight), 0 … 1, peaking mid-afternoon. */
export function sunlight(hour: number): number {
  return gauss(hour, 15, 3);
}

/**
 * Physical values [PM2.5, PM10, NO2, O3 (µg/m³), temperature (°C), humidity (%)] of a sensor
 * at a simulated time, before rounding to the fixed-point payload.
 */
export function airQualityValues({ seed, index, site }: SensorModel, simulatedTime: number): number[] {
  const t = simulatedTime;
  const h = hourOfDay(t);
  const rush = trafficIntensity(h);
  // Day-to-day weather, shared by the whole town: stagnant (polluted) or windy days, warm or cool days.
  const stagnation = 1 + 0.3 * valueNoise(seed, STREAM.weather, t, DAY);
  const warmth = valueNoise(seed, STREAM.sunshine, t, DAY);
  const traffic = site.kind === 'traffic';
  const load = site.level * stagnation;

  // Smooth per-sensor deviation (30-minute knots) plus a little white noise per second.
  const noise = (metric: number) =>
    0.08 * valueNoise(seed, STREAM.metricNoise + metric, t + index * 7_919, 1_800) +
    0.015 * (uniform(seed, STREAM.sensorNoise + metric, index, Math.floor(t)) * 2 - 1);

  const no2 = (traffic ? 22 + 48 * rush : 9 + 14 * rush) * load * (1 + noise(2));
  const pm25 = (traffic ? 10 + 12 * rush : 6 + 4 * rush) * load * (1 + noise(0));
  const pm10 = (pm25 * 1.7 + (traffic ? 6 : 3) * stagnation) * (1 + noise(1));
  const o3 = Math.max(2, ((traffic ? 20 : 35) + 60 * sunlight(h) * (1 + 0.3 * warmth) - 0.25 * no2) * (1 + noise(3)));
  const meanTemperature = 12 + (traffic ? 1.2 : -0.5) + 3 * warmth;
  const temperature = meanTemperature + 5 * Math.cos((2 * Math.PI * (h - 15)) / 24) + 3 * noise(4);
  const humidity = Math.min(98, Math.max(25, 70 - 3.2 * (temperature - meanTemperature) - 10 * warmth + 60 * noise(5)));
  return [pm25, pm10, no2, o3, temperature, humidity];
}

/** The raw int16 metric values (the payload order of class 1) of a sensor at a simulated time. */
export function nextReading(sensor: SensorModel, simulatedTime: number): number[] {
  return airQualityValues(sensor, simulatedTime).map((value, metric) => toRaw(metric, value));
}

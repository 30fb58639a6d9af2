import type { ConsentVoid, IndexedDevice, IndexedEvent, Page } from '../../indexer/indexedRows.js';

/**
 * What the query API (/v1/index/...) answers, beyond the index's rows: types only, so that the
 * council console (console/src/api.ts) imports them with no server code. The routes' JSON schemas
 * (indexQueriesPlugin.ts) are the documentation.
 */

/** A page of rows with the newest block the index holds as final (-1 before any). */
export type IndexPage<T> = Page<T> & { finalBlock: number };

/** An event of the accounting log; a consent's ConsentGranted also carries the transfers that voided it on its devices. */
export type IndexEventAnswer = IndexedEvent & { voided?: ConsentVoid[] };

/** A device on the town's map (GET /v1/index/map): its status and flags, and its place from the operator's metadata. */
export type MapDevice = Pick<IndexedDevice, 'device' | 'status' | 'classId' | 'flags'> & {
  /** WGS 84 degrees. */
  latitude: number;
  longitude: number;
  /** The metadata `name` (or `site`), if a string. */
  name: string | null;
};

/** GET /v1/index/map: at most MAP_DEVICES placed devices; `unplaced` have metadata but no location. */
export type TownMapAnswer = { items: MapDevice[]; unplaced: number; truncated: boolean; finalBlock: number };

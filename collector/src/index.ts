// engage-collector: the HTTP collector and metric store of engage-tracker.
export { startCollector, type Collector, type CollectorOptions } from './collector.js';
export { StoreUnavailableError, type MetricStore, type StoredEvent, type InsertResult, type StoreHealth } from './store/metric-store.js';
export type { MetricQuerySpec, MetricRow, Bucket, Format } from './query/spec.js';
export type { Router, RouteContext, Handler } from './http/router.js';
export { sendError, sendJson, type ApiError } from './http/respond.js';

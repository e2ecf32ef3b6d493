// engage-tracker/metrics: pure aggregation, no DOM and no storage, for Node and browsers.
export { aggregate, type AggregateOptions, type Instant, type OrgRow, type RepRow, type PageRow, type Row, type RowsBy } from './aggregate';
export { BUCKETS, bucketStarts, isTimeZone, zoneCalendar, type Bucket, type ZoneCalendar } from './time';
export {
  METRICS,
  type CountedMetricName,
  type DerivedMetricDefinition,
  type Dimension,
  type HeldMetricName,
  type MetricDefinition,
  type RepMetricName,
  type SentMetricDefinition,
  type TeamMetricName,
} from './definitions';
export type { MetricEvent, MetricName, MissedReason } from '../metric-event';

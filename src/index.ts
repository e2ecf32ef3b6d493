export { createTracker, type Tracker } from './tracker';
export { TrackerError, TrackerConfigError, type TrackerErrorCode } from './errors';
export type { TrackerOptions } from './config';
export type { WidgetEvent, CallEventType } from './events';
export type { MetricEvent, MetricName, MissedReason, Batch } from './metric-event';

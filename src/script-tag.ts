// IIFE entry for the <script> tag build.
import { createTracker } from './tracker';
import { TrackerError, TrackerConfigError } from './errors';

(window as unknown as { EngageTracker: unknown }).EngageTracker = { createTracker, TrackerError, TrackerConfigError };

// @vitest-environment node
// The production bundles carry error codes, the debug build the messages (README: Debug build).
// Needs `npm run build` first, as `npm test` does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** What a tracker built from `entry` says about a bad option and a bad event, run in plain Node. */
const sayings = (conditions: string[], specifier = 'engage-tracker') =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        ...conditions.map((c) => `--conditions=${c}`),
        '--input-type=module',
        '-e',
        `import { createTracker } from '${specifier}';
        let config = '';
        try { createTracker({ orgId: '', endpoint: 'https://collect.example.com/v1/engage' }); } catch (err) { config = err.message; }
        const reports = [];
        const tracker = createTracker({ orgId: 'org_1', endpoint: 'https://collect.example.com/v1/engage', onError: (e) => reports.push(e.code + ': ' + e.message) });
        tracker.track({ type: 'call.nonsense' });
        await tracker.shutdown();
        console.log(JSON.stringify({ config, reports: reports.filter((r) => r.startsWith('invalid_event')) }));`,
      ],
      { encoding: 'utf8' },
    ),
  );

describe('production and debug builds', () => {
  it('the npm entry reports codes; with the `debug` export condition, messages in words', () => {
    expect(sayings([])).toEqual({ config: 'engage-tracker: option "orgId"', reports: ['invalid_event: invalid_event'] });
    expect(sayings(['debug'])).toEqual({
      config: 'engage-tracker: option "orgId" must be a non-blank string of 1 to 256 characters (got "")',
      reports: ['invalid_event: unknown event type "call.nonsense": event ignored'],
    });
  });

  it('the script tag bundle has no messages; dist/engage-tracker.debug.js has them', () => {
    const message = 'must be a non-blank string of 1 to 256 characters';
    expect(readFileSync('dist/engage-tracker.min.js', 'utf8')).not.toContain(message);
    expect(readFileSync('dist/engage-tracker.debug.js', 'utf8')).toContain(message);
  });
});

// Segment analytics-next with its defaults (standard delivery: one fetch per event), settings
// given inline so it never asks Segment's CDN; the Segment.io destination points at the collector.
import { AnalyticsBrowser } from '@segment/analytics-next';

window.__benchAdapter = {
  async init({ collector }) {
    const host = collector.replace(/^http:\/\//, ''); // the plugin builds `${protocol}://${apiHost}/t`
    const writeKey = 'bench-write-key';
    const segmentIo = { apiKey: writeKey, apiHost: host, protocol: 'http' };
    const [analytics] = await AnalyticsBrowser.load(
      {
        writeKey,
        cdnURL: collector + '/cdn', // never used with cdnSettings; a stray fetch would still stay local
        cdnSettings: { integrations: { 'Segment.io': segmentIo }, metrics: { host, sampleRate: 0 } },
      },
      { integrations: { 'Segment.io': { apiHost: host, protocol: 'http' } } },
    );
    await analytics.ready();
    return {
      track: (bid, i) => void analytics.track('call_requested', { bid, i }),
    };
  },
};

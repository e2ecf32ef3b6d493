// Amplitude Browser SDK 2 with its defaults, except: events go to the collector, no autocapture
// (it would add page-view and session events), no remote config, no diagnostics.
import * as amplitude from '@amplitude/analytics-browser';

window.__benchAdapter = {
  async init({ collector }) {
    await amplitude.init('bench-api-key', undefined, {
      serverUrl: collector + '/2/httpapi',
      autocapture: false,
      fetchRemoteConfig: false,
      remoteConfig: { fetchRemoteConfig: false, serverUrl: collector + '/config' },
      enableDiagnostics: false,
    }).promise;
    return {
      track: (bid, i) => void amplitude.track('call_requested', { bid, i }),
      flush: () => amplitude.flush().promise,
    };
  },
};

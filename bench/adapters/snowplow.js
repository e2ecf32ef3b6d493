// Snowplow browser tracker with its defaults (POST, localStorage out-queue), collector local.
import { newTracker, trackStructEvent, flushBuffer } from '@snowplow/browser-tracker';

window.__benchAdapter = {
  async init({ collector }) {
    newTracker('bench', collector, { appId: 'bench', eventMethod: 'post' });
    return {
      track: (bid, i) => trackStructEvent({ category: 'call', action: 'requested', label: bid, value: i }),
      flush: () => flushBuffer(),
    };
  },
};

// Mixpanel with its defaults (batched XHR, localStorage queue), api_host local.
import mixpanel from 'mixpanel-browser';

window.__benchAdapter = {
  init({ collector }) {
    return new Promise((resolve) => {
      mixpanel.init('bench-token', {
        api_host: collector,
        loaded: () => resolve({ track: (bid, i) => void mixpanel.track('call_requested', { bid, i }) }),
      });
    });
  },
};

// PostHog with its defaults, except: everything goes to the collector, no remote config or
// flags, no external scripts (recorder, surveys, toolbar), no automatic page views or autocapture.
// opt_out_useragent_filter: PostHog drops the events of automated browsers (navigator.webdriver,
// a "HeadlessChrome" brand) as bots; its own switch for end-to-end tests keeps them.
import posthog from 'posthog-js';

window.__benchAdapter = {
  init({ collector }) {
    return new Promise((resolve) => {
      posthog.init('phc_bench', {
        api_host: collector,
        ui_host: collector,
        asset_host: collector,
        advanced_disable_flags: true,
        disable_external_dependency_loading: true,
        disable_session_recording: true,
        disable_surveys: true,
        disable_conversations: true,
        disable_product_tours: true,
        capture_pageview: false,
        capture_pageleave: false,
        autocapture: false,
        opt_out_useragent_filter: true,
        loaded: () => resolve({ track: (bid, i) => void posthog.capture('call_requested', { bid, i }) }),
      });
    });
  },
};

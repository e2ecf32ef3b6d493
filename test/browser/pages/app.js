// Starts window.tracker from the query string, as a site would on every page load; errors
// are kept in window.trackerErrors for the test to read.
(function () {
  var q = new URLSearchParams(location.search);
  var errors = (window.trackerErrors = []);
  var options = {
    orgId: q.get('org'),
    endpoint: q.get('endpoint'),
    onError: function (e) {
      errors.push({ code: e.code, message: e.message });
    },
  };
  if (q.has('flush')) options.flushIntervalMs = Number(q.get('flush'));
  if (q.has('batch')) options.batchSize = Number(q.get('batch'));
  if (q.has('allowed')) options.allowedOrigins = q.get('allowed').split(',');
  if (q.has('tab')) options.headers = { 'x-tab': q.get('tab') };
  if (q.has('debug')) options.debug = true;
  // Long page names: bodies big enough to need more than one keepalive/beacon chunk.
  if (q.get('page') === 'long') options.page = function (url) { return url.pathname + '/' + 'p'.repeat(900); };
  window.tracker = window.EngageTracker.createTracker(options);
})();

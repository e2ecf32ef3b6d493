// Starts window.tracker from the query string, as a site would on every page load: any options
// as JSON in "o", or the short-hands below (see test/browser/harness.ts appUrl, appUrlWith).
// Errors are kept in window.trackerErrors, uncaught page errors in window.pageErrors.
(function () {
  var q = new URLSearchParams(location.search);
  var errors = (window.trackerErrors = []);
  var pageErrors = (window.pageErrors = []);
  addEventListener('error', function (e) { pageErrors.push(String(e.message)); });
  addEventListener('unhandledrejection', function (e) { pageErrors.push('unhandled: ' + String(e.reason)); });
  // IndexedDB as some browsers give it: idb=throw makes open() throw (as in a storage-blocked
  // or opaque-origin context); idb=spy keeps the page's connections in window.idbConnections,
  // so a test can close them mid-session (as WebKit does when it loses its IndexedDB server).
  if (q.get('idb') === 'throw') {
    indexedDB.open = function () { throw new DOMException('IndexedDB is not available here', 'SecurityError'); };
  }
  if (q.get('idb') === 'spy') {
    var connections = (window.idbConnections = []);
    var open = indexedDB.open.bind(indexedDB);
    indexedDB.open = function () {
      var request = open.apply(null, arguments);
      request.addEventListener('success', function () { connections.push(request.result); });
      return request;
    };
  }
  // fetches=1: every fetch() the page makes, as [url, milliseconds since the page started], in
  // window.fetchCalls: the SDK's own attempts, which a browser may retry on the wire (Firefox
  // retries a reset connection several times).
  if (q.has('fetches')) {
    var calls = (window.fetchCalls = []);
    var realFetch = window.fetch;
    window.fetch = function (input) {
      calls.push([String(input && input.url ? input.url : input), Math.round(performance.now())]);
      return realFetch.apply(this, arguments);
    };
  }
  var options = q.has('o') ? JSON.parse(q.get('o')) : { orgId: q.get('org'), endpoint: q.get('endpoint') };
  options.onError = function (e) {
    errors.push({ code: e.code, message: e.message, name: e.name, isTrackerError: e instanceof window.EngageTracker.TrackerError });
  };
  if (q.has('flush')) options.flushIntervalMs = Number(q.get('flush'));
  if (q.has('batch')) options.batchSize = Number(q.get('batch'));
  if (q.has('allowed')) options.allowedOrigins = q.get('allowed').split(',');
  if (q.has('tab')) options.headers = { 'x-tab': q.get('tab') };
  if (q.has('debug')) options.debug = true;
  var page = q.get('page');
  // Long page names: bodies big enough to need more than one keepalive/beacon chunk.
  if (page === 'long') options.page = function (url) { return url.pathname + '/' + 'p'.repeat(900); };
  if (page === 'group') options.page = function (url) { return url.pathname.indexOf('/blog/') >= 0 ? '/blog/*' : url.pathname; };
  if (page === 'throw') options.page = function () { throw new Error('page() broke'); };
  window.tracker = window.EngageTracker.createTracker(options);
})();

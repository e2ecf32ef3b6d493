// Review page: window.tracker from JSON options in ?o=...; errors in window.trackerErrors,
// uncaught page errors in window.pageErrors. ?group=1 groups /blog/* pages.
(function () {
  var q = new URLSearchParams(location.search);
  var errors = (window.trackerErrors = []);
  var pageErrors = (window.pageErrors = []);
  addEventListener('error', function (e) { pageErrors.push(String(e.message)); });
  addEventListener('unhandledrejection', function (e) { pageErrors.push('unhandled: ' + String(e.reason)); });
  var options = JSON.parse(q.get('o') || '{}');
  options.onError = function (e) {
    errors.push({ code: e.code, message: e.message, name: e.name, isTrackerError: e instanceof window.EngageTracker.TrackerError });
  };
  if (q.get('group') === '1') options.page = function (url) { return url.pathname.indexOf('/blog/') >= 0 ? '/blog/*' : url.pathname; };
  if (q.get('group') === 'throw') options.page = function () { throw new Error('page() broke'); };
  window.tracker = window.EngageTracker.createTracker(options);
})();

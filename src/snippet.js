// The loader snippet, minified into dist/snippet.min.js. It defines a window.engage stub that
// queues calls with their time and page path, and loads the bundle async. Replace the URL (and the SRI hash
// from dist/engage-tracker.min.js.sri, or drop that argument).
(function (w, d, src, integrity) {
  if (w.engage) return;
  var queue = [];
  // Each call with its time and page (the path only: a single-page app may move on before
  // the bundle arrives). At most 1,000 calls, the oldest dropped: a bundle that never loads (an
  // extension blocks it) must not grow the queue for good. engage.d counts them; the bundle
  // reports it.
  var push = function (args) {
    if (queue.push([args, Date.now(), location.pathname]) > 1e3) queue.shift(), engage.d++;
  };
  var engage = (w.engage = function () {
    push(arguments);
  });
  engage.q = queue;
  engage.d = 0;
  // A widget's events from before the bundle arrives: queued as engage('track', event), marked
  // heard (1): a tracker with hooks off ignores them.
  d.addEventListener(
    'engage:event',
    (engage.l = function (e) {
      push(['track', e.detail, 1]);
    }),
  );
  var script = d.createElement('script');
  script.async = true;
  script.src = src;
  if (integrity) {
    script.integrity = integrity;
    script.crossOrigin = 'anonymous';
  }
  (d.head || d.documentElement).appendChild(script);
})(window, document, 'https://cdn.example.com/engage-tracker.min.js', 'sha384-REPLACE');

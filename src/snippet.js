// The loader snippet, minified into dist/snippet.min.js. It defines a window.engage stub that
// queues calls with their time, and loads the bundle async. Replace the URL (and the SRI hash
// from dist/engage-tracker.min.js.sri, or drop that argument).
(function (w, d, src, integrity) {
  if (w.engage) return;
  var queue = [];
  var engage = (w.engage = function () {
    queue.push([arguments, Date.now()]);
  });
  engage.q = queue;
  // A widget's events from before the bundle arrives: queued as engage('track', event).
  d.addEventListener(
    'engage:event',
    (engage.l = function (e) {
      queue.push([['track', e.detail], Date.now()]);
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

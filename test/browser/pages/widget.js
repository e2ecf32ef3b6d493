// A widget iframe: posts the call given in its query string to the host page, as
// parent.postMessage({ engage: event }, '*'), then tells the page it has posted.
(function () {
  var q = new URLSearchParams(location.search);
  parent.postMessage({ engage: { type: 'call.requested', callId: q.get('callId') } }, '*');
  parent.postMessage({ widgetPosted: q.get('callId') }, '*');
})();

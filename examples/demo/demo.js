// The demo widget: each button is one widget event of SPEC section 3, tracked by the real
// script-tag build; the tables show what the collector computed from what arrived.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var log = function (text, isError) {
    var li = document.createElement('li');
    li.textContent = new Date().toLocaleTimeString() + '  ' + text;
    if (isError) li.className = 'error';
    $('log').prepend(li);
  };

  var tracker = window.EngageTracker.createTracker({
    orgId: 'demo_org',
    endpoint: location.origin + '/v1/engage',
    flushIntervalMs: 1000,
    onError: function (err) { log(err.code + ': ' + err.message, true); },
  });

  var callId = null;
  var calls = 0;
  var messages = 0;
  var rep = function () { return $('rep').value; };
  var pageUrl = function () { return location.origin + $('page').value; };
  var setCall = function (id) { callId = id; $('call').textContent = id || 'none'; };
  var newCallId = function () { calls += 1; return 'call_' + Date.now().toString(36) + '_' + calls; };

  function track(event) {
    event.pageUrl = pageUrl();
    tracker.track(event);
    log(JSON.stringify(event).replace(/,"pageUrl":"[^"]*"/, '') + ' on ' + $('page').value);
    tracker.flush().then(refresh);
  }
  var callEvent = function (type, withRep) {
    if (!callId) return log('no current call: offer or request one first', true);
    var event = { type: type, callId: callId };
    if (withRep) event.repId = rep();
    track(event);
  };
  var message = function (from) {
    messages += 1;
    var event = { type: 'chat.message', from: from, messageId: 'msg_' + Date.now().toString(36) + '_' + messages };
    if (from === 'rep') event.repId = rep();
    track(event);
  };

  $('call-offer').onclick = function () { setCall(newCallId()); callEvent('call.offered', true); };
  $('call-request').onclick = function () { setCall(newCallId()); callEvent('call.requested'); };
  $('call-accept').onclick = function () { callEvent('call.accepted'); };
  $('call-decline').onclick = function () { callEvent('call.declined'); };
  $('call-answer').onclick = function () { callEvent('call.answered', true); };
  $('call-cancel').onclick = function () { callEvent('call.canceled'); };
  $('call-timeout').onclick = function () { callEvent('call.timeout'); };
  $('call-end').onclick = function () { callEvent('call.ended'); setCall(null); };
  $('chat-visitor').onclick = function () { message('visitor'); };
  $('chat-rep').onclick = function () { message('rep'); };
  $('chat-bot').onclick = function () { message('bot'); };
  $('end-session').onclick = function () {
    log('endSession()');
    tracker.endSession().then(tracker.flush).then(refresh);
  };
  $('flush').onclick = function () { tracker.flush().then(refresh); };

  var COLUMNS = [
    'proactive_call_attempted', 'proactive_call_accepted', 'inbound_call_requested', 'inbound_call_answered',
    'inbound_call_missed', 'calls_held', 'proactive_chat_attempted', 'proactive_chat_accepted',
    'inbound_chat_requested', 'inbound_chat_answered', 'inbound_chat_missed', 'chats_held',
  ];

  function renderTable(target, by, rows) {
    var table = document.createElement('table');
    var head = table.createTHead().insertRow();
    var key = by === 'org' ? 'orgId' : by === 'rep' ? 'repId' : 'page';
    var th = document.createElement('th');
    th.className = 'key';
    th.textContent = key;
    head.appendChild(th);
    COLUMNS.forEach(function (name) {
      var cell = document.createElement('th');
      cell.textContent = name;
      head.appendChild(cell);
    });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      tr.dataset.key = row[key];
      var first = tr.insertCell();
      first.className = 'key';
      first.textContent = row[key];
      COLUMNS.forEach(function (name) {
        var td = tr.insertCell();
        td.dataset.metric = name;
        var value = row.counts[name];
        td.textContent = value === undefined ? '–' : String(value);
        if (value === undefined) td.className = 'none';
      });
    });
    if (!rows.length) body.insertRow().insertCell().textContent = 'no metrics yet';
    target.replaceChildren(table);
  }

  var refreshing = null;
  function refresh() {
    if (refreshing) return refreshing;
    refreshing = Promise.all(['org', 'rep', 'page'].map(function (by) {
      return fetch('/v1/metrics?by=' + by).then(function (res) { return res.json(); }).then(function (rows) {
        renderTable($('by-' + by), by, rows);
      });
    })).catch(function (err) { log('metrics: ' + err, true); }).then(function () {
      refreshing = null;
      document.body.dataset.refreshed = String(Date.now());
    });
    return refreshing;
  }
  refresh();
  setInterval(refresh, 2000);
})();

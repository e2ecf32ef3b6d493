// Ingest over HTTP: `clients` loops, each posting batches of `batchSize` fresh events and
// waiting for the answer before the next, for `seconds`. Keep-alive connections, as the SDK's
// fetch would have. With `resendEvery: n`, every n-th post of a client repeats its previous
// batch (an SDK retrying a batch whose answer it lost). Returns the events stored per second
// (as the answers count them: a resent event is not stored again) and the batch latency
// percentiles.
import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';

const METRICS = ['proactive_call_attempted', 'inbound_call_requested', 'inbound_chat_requested', 'proactive_chat_attempted', 'inbound_chat_answered'];

function batchBody(batchSize, client, n) {
  const now = new Date().toISOString();
  const events = [];
  for (let i = 0; i < batchSize; i++) {
    const metric = METRICS[i % METRICS.length];
    // The fields each metric carries (SPEC section 5), as the collector checks them.
    events.push({
      id: randomUUID(),
      metric,
      orgId: `org_${client % 4}`,
      visitorId: `v${client}-${n}`,
      sessionId: `s${client}-${n}`,
      ...(!metric.endsWith('_requested') && { repId: `rep_${i % 20}` }),
      page: `/page/${i % 30}`,
      ...(metric.includes('_call_') && { callId: `c${client}-${n}-${i}` }),
      occurredAt: now,
    });
  }
  return JSON.stringify({ sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: now, events });
}

function post(url, agent, body) {
  return new Promise((done, fail) => {
    const req = request(`${url}/v1/engage`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode, stored: res.statusCode === 200 ? JSON.parse(text).stored : 0 }));
    });
    req.on('error', fail).end(body);
  });
}

export async function measureIngest(url, { clients = 8, batchSize = 50, seconds = 10, resendEvery = 0 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies = [];
  const statuses = {};
  let events = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      let body = '';
      for (let n = 0; performance.now() < until; n++) {
        if (!(resendEvery && n % resendEvery === resendEvery - 1 && body)) body = batchBody(batchSize, client, n);
        const t = performance.now();
        const { status, stored } = await post(url, agent, body);
        latencies.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
        events += stored;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { eventsPerSecond: events / elapsed, batches: latencies.length, p50: pct(50), p99: pct(99), statuses, seconds: elapsed };
}

// @vitest-environment node
import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

it('uplot dst', async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  for (const browserTz of ['Europe/Berlin']) {
    for (const [zone, day, step] of [['UTC', '2026-03-29T00:00:00+00:00', 3600], ['America/New_York', '2026-03-29T00:00:00-04:00', 3600], ['Europe/Berlin', '2026-10-20T00:00:00+02:00', 86400], ['America/New_York', '2026-10-20T00:00:00-04:00', 86400]] as [string, string, number][]) {
      const ctx = await browser.newContext({ timezoneId: browserTz });
      const page = await ctx.newPage();
      await page.setContent('<div id=c></div>');
      await page.addScriptTag({ content: readFileSync('node_modules/uplot/dist/uPlot.iife.js', 'utf8') });
      const out = await page.evaluate(async ({ zone, day, step }) => {
        const texts: string[] = [];
        const orig = CanvasRenderingContext2D.prototype.fillText;
        CanvasRenderingContext2D.prototype.fillText = function (t: string, x: number, y: number) { texts.push(t); return orig.call(this, t, x, y); };
        const start = Date.parse(day) / 1000;
        const xs = Array.from({ length: 26 }, (_, i) => start + i * step);
        const U = (window as any).uPlot;
        for (const w of [1600, 800]) {
          texts.length = 0;
          const u = new U({ width: w, height: 200, tzDate: (ts: number) => U.tzDate(new Date(ts * 1e3), zone), series: [{}, { stroke: 'red' }] }, [xs, xs.map(() => 1)], document.getElementById('c'));
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)));
          (window as any)['r' + w] = (u.axes[0]._splits ?? []).map((s: number) => new Date(s * 1000).toISOString().slice(5, 16) + '=' + new Date(s*1000).toLocaleString('en-GB', {timeZone: zone, day: 'numeric', hour: '2-digit', minute: '2-digit'})).join(' ') + '\n   labels: ' + texts.filter((t) => !/^\d+(\.\d+)?$/.test(t)).join(' | ');
          u.destroy();
        }
        return [(window as any).r1600, (window as any).r800];
      }, { zone, day, step });
      console.log(`browser ${browserTz}, chart ${zone} ${day}:\n  1600px: ${out[0]}\n  800px: ${out[1]}`);
      await ctx.close();
    }
  }
  await browser.close();
}, 60_000);

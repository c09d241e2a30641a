// The operator console in a real Chromium (Debian's, driven by playwright-core) against the lab: log
// in; a CheckIn sent by the PMS shows on the room board within 1 s; an operator (grade 2) sees but
// cannot act; a request without its CSRF token is refused; a wake-up set by AlarmClock appears with
// its attempt once it rang a baresip phone; Asterisk restarted, the AMI and ARI indicators go to
// reconnecting and back to ready, each change raising a notice. Screenshots of those states go to
// lab/run/screenshots/, or to docs/ (the README shows those) with PMS_DOCS_SCREENSHOTS=1.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ConsoleServer } from '../../src/console/server.js';
import type { Engine } from '../../src/engine.js';
import type { PmsClient } from '../../src/client/pms-client.js';
import { silentLogger } from '../../src/log.js';
import { formatLocal, parseLocal } from '../../src/time/zone.js';
import { launchChromium } from '../lab/browser.js';
import { FRONT_DESK, labDatabase, startLabEngine } from '../lab/engine.js';
import { asteriskCli, registeredPhones, requireLab, waitForAsterisk } from '../lab/lab.js';
import { phone } from '../lab/phone.js';

const DOCS = resolve(
  import.meta.dirname,
  process.env.PMS_DOCS_SCREENSHOTS === '1' ? '../../docs' : '../../lab/run/screenshots',
);
const DB = 'pms_console_browser_it';
const ADMIN = { user: 'engineer', password: 'lab-console-admin', grade: 1 as const };
const OPERATOR = { user: 'desk', password: 'lab-console-desk', grade: 2 as const };

describe('operator console in Chromium, on the lab', { timeout: 420_000 }, () => {
  let engine: Engine;
  let pms: PmsClient;
  let web: ConsoleServer;
  let url: string;
  let browser: Browser;
  let page: Page;
  const tz = (): string => engine.config.hotel.timeZone;

  before(async () => {
    await requireLab();
    mkdirSync(DOCS, { recursive: true });
    // Its own database, new each run: the wake-up list holds only this test's.
    const db = await labDatabase();
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.end();
    ({ engine, pms } = await startLabEngine({
      db: { database: DB },
      accounts: [FRONT_DESK, ADMIN, OPERATOR],
      http: { enabled: true, host: '127.0.0.1', port: 0 },
      ari: { app: `pms-console-${process.pid}` },
    }));
    web = new ConsoleServer(engine, silentLogger());
    url = await web.listen();
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    for (const ext of ['8001', '8002']) await engine?.rooms.clean(ext).catch(() => undefined);
    await browser?.close();
    await web?.close();
    await pms?.close();
    await engine?.stop();
  });

  async function logIn(p: Page, a: { user: string; password: string }): Promise<void> {
    await p.goto(url);
    await p.fill('#login-user', a.user);
    await p.fill('#login-password', a.password);
    await p.click('#login-submit');
    await p.waitForSelector('#app', { state: 'visible' });
  }

  it('log in: the links show ready', async () => {
    await logIn(page, ADMIN);
    for (const link of ['ami', 'ari', 'db'])
      await page.waitForSelector(`[data-link="${link}"][data-state="ready"]`);
    assert.equal(await page.getAttribute('body', 'data-grade'), '1');
    assert.match((await page.textContent('#whoami')) ?? '', /engineer/);
  });

  it('a CheckIn sent by the PMS shows on the room board within 1 s', async () => {
    const cell = page.locator('tr[data-room="8002"] [data-field="guest"]');
    const t0 = Date.now();
    const reply = await pms.call([
      ['Action', 'Set'],
      ['CallMethod', 'CheckIn'],
      ['Phone', '8002'],
      ['Name', 'Ana Pérez'],
      ['Limit', '3'],
    ]);
    assert.equal(reply.get('Response'), 'Success', reply.get('Message'));
    await cell.filter({ hasText: 'Ana Pérez' }).waitFor({ timeout: 5_000 });
    const ms = Date.now() - t0;
    console.log(`CheckIn of 8002 on the room board ${ms} ms after it was sent`);
    assert.ok(ms < 1_000, `${ms} ms`);
    await page.screenshot({ path: resolve(DOCS, 'console-overview.png'), fullPage: true });
  });

  it('an operator (grade 2) sees everything but has no actions, and the server refuses its actions', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    try {
      await logIn(p, OPERATOR);
      assert.equal(await p.getAttribute('body', 'data-grade'), '2');
      await p.waitForSelector('tr[data-room="8002"]');
      assert.equal(await p.locator('#actions').count(), 0, 'no actions shown to an operator');
      const status = await p.evaluate(async () => {
        const me = (await (await fetch('/api/me')).json()) as { csrf: string };
        const r = await fetch('/api/resync', { method: 'POST', headers: { 'x-csrf-token': me.csrf } });
        return r.status;
      });
      assert.equal(status, 403);
    } finally {
      await ctx.close();
    }
  });

  it('a request without its CSRF token is refused; with it, the same action runs', async () => {
    const [without, withToken] = await page.evaluate(async () => {
      const a = await fetch('/api/resync', { method: 'POST' });
      const me = (await (await fetch('/api/me')).json()) as { csrf: string };
      const b = await fetch('/api/resync', { method: 'POST', headers: { 'x-csrf-token': me.csrf } });
      return [a.status, b.status];
    });
    assert.equal(without, 403);
    assert.equal(withToken, 200);
  });

  it('a wake-up set by AlarmClock appears with its attempt once it rang a baresip phone', async () => {
    const local = formatLocal(new Date(Date.now() + 60_000), tz());
    const due = parseLocal(`${local.slice(0, 16)}:00`, tz())!.getTime();
    const p8001 = phone('8001');
    try {
      const rang = p8001.waitForEvent('CALL_INCOMING', due - Date.now() + 30_000);
      const reply = await pms.call([
        ['Action', 'Set'],
        ['CallMethod', 'AlarmClock'],
        ['Phone', '8001'],
        ['AlarmClock', `${local.slice(11, 16)}**5*1**1&`],
      ]);
      assert.equal(reply.get('Response'), 'Success', reply.get('Message'));
      const row = page.locator('#wakeups tr[data-room="8001"]');
      await row.first().waitFor({ timeout: 5_000 });
      assert.equal(await row.first().getAttribute('data-state'), 'pending');
      await rang;
      await page
        .locator('#wakeups tr[data-room="8001"] .attempt[data-result="answered"]')
        .first()
        .waitFor({ timeout: 40_000 });
      assert.equal(await row.first().getAttribute('data-state'), 'answered');
      await page.screenshot({ path: resolve(DOCS, 'console-wakeups.png'), fullPage: true });
    } finally {
      p8001.close();
    }
  });

  it("the administrator's actions: set a wake-up from the form, cancel it with its button, download the call records", async () => {
    const tomorrow = formatLocal(new Date(Date.now() + 86_400_000), tz()).slice(0, 10);
    await page.fill('#wakeup-room', '8003');
    await page.fill('#wakeup-time', '06:30');
    await page.fill('#wakeup-date', tomorrow);
    await page.click('#wakeup-form [type="submit"]');
    const row = page.locator('#wakeups tr[data-room="8003"][data-state="pending"]');
    await row.waitFor({ timeout: 5_000 });
    const id = await row.getAttribute('data-wakeup');
    const stored = (await engine.wakeupStore.forRoom('8003')).find((o) => String(o.id) === id);
    assert.equal(stored?.state, 'pending');
    assert.equal(stored?.localDate, tomorrow);
    assert.equal(stored?.localStart, '06:30');
    await page.click(`button[data-cancel="${id}"]`);
    await page
      .locator(`#wakeups tr[data-wakeup="${id}"][data-state="cancelled"]`)
      .waitFor({ timeout: 5_000 });
    assert.equal(
      (await engine.wakeupStore.forRoom('8003')).find((o) => String(o.id) === id)?.state,
      'cancelled',
    );
    assert.match((await page.textContent('#action-result')) ?? '', /cancelled/);
    const csv = await page.evaluate(async () => {
      const a = document.querySelector('#cdr-download') as HTMLAnchorElement;
      const r = await fetch(a.href);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    });
    assert.equal(csv.status, 200);
    assert.match(csv.type ?? '', /text\/csv/);
    assert.match(
      csv.text,
      /^src,dst,trunk,callstart,talkstart,callend,duration,billsec,calltype,disposition,direction\n/,
    );
  });

  it('Asterisk restarted: AMI and ARI go to reconnecting and back to ready, each change a notice', async () => {
    const before = await page.locator('#events li').count();
    const restart = asteriskCli('core restart now').catch((err: unknown) => String(err));
    for (const link of ['ami', 'ari'])
      await page.waitForSelector(`[data-link="${link}"]:not([data-state="ready"])`, { timeout: 30_000 });
    await page.waitForSelector('#notices .notice[data-level="warn"]', { timeout: 5_000 });
    await page.screenshot({ path: resolve(DOCS, 'console-reconnecting.png'), fullPage: true });
    await restart;
    for (const link of ['ami', 'ari'])
      await page.waitForSelector(`[data-link="${link}"][data-state="ready"]`, { timeout: 90_000 });
    const events = await page.locator('#events li').allTextContents();
    const fresh = events.slice(0, events.length - before).join('\n');
    for (const text of [
      /AMI ready → reconnecting/,
      /AMI reconnecting → ready/,
      /ARI ready → reconnecting/,
      /ARI reconnecting → ready/,
    ])
      assert.match(fresh, text);
    // Back to a lab the next tests can use: Asterisk booted, the phones registered again.
    await waitForAsterisk(90_000);
    const deadline = Date.now() + 60_000;
    while ((await registeredPhones()).length < 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
  });
});

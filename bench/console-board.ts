// Operator console benchmark (issue 14): a 2,000-room hotel, half of it checked in, the console in
// this process and Debian's Chromium on it. Prints plain lines, each with the floor it is measured
// against in the same run:
// - the room board's read: bare `SELECT * FROM rooms` (the floor) vs GET /api/rooms (2,000 views);
// - the page: log in until all 2,000 rows are drawn; a search over them;
// - a CheckIn sent by the PMS until its row shows the name (the PMS's own Success reply is the floor);
// - the engine's memory with the page open.
//
//   npx tsx bench/console-board.ts
//
// Needs the lab (`make lab-up`: Asterisk for AstDB, MariaDB, Chromium). Uses its own database
// pms_console_bench, dropped at the start.
import { performance } from 'node:perf_hooks';
import { ConsoleServer } from '../src/console/server.js';
import { silentLogger } from '../src/log.js';
import { cleanRoom } from '../src/store/rooms.js';
import { launchChromium } from '../test/lab/browser.js';
import { FRONT_DESK, labDatabase, startLabEngine } from '../test/lab/engine.js';

const DB = 'pms_console_bench';
const FIRST = 10_001;
const ROOMS = 2_000;
const RUNS = 15;
const ADMIN = { user: 'bench', password: 'bench-console-pass', grade: 1 as const };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const setup = await labDatabase();
  await setup.query(`DROP DATABASE IF EXISTS ${DB}`);
  await setup.end();
  const { engine, pms } = await startLabEngine({
    db: { database: DB },
    hotel: { rooms: `${FIRST}-${FIRST + ROOMS - 1}` },
    accounts: [FRONT_DESK, ADMIN],
    http: { enabled: true, host: '127.0.0.1', port: 0 },
    ari: { app: `pms-console-bench-${process.pid}` },
  });
  const web = new ConsoleServer(engine, silentLogger());
  const url = await web.listen();
  try {
    // Half the hotel checked in, straight into the store (the board reads the store).
    const t0 = performance.now();
    for (let i = 0; i < ROOMS; i += 2)
      await engine.roomStore.save({
        ...cleanRoom(String(FIRST + i)),
        guestName: `Guest ${FIRST + i}`,
        classOfService: 3,
        checkedInAt: new Date(),
      });
    console.log(`setup: ${ROOMS} rooms, ${ROOMS / 2} checked in, in ${ms(performance.now() - t0)}`);

    // The read: bare SQL (floor) vs the API.
    const db = await labDatabase();
    const floor: number[] = [];
    const api: number[] = [];
    let bytes = 0;
    const cookie = await login(url);
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await db.query(`SELECT * FROM ${DB}.rooms`);
      floor.push(performance.now() - t);
      t = performance.now();
      const r = await fetch(`${url}/api/rooms`, { headers: { cookie } });
      bytes = (await r.text()).length;
      api.push(performance.now() - t);
    }
    await db.end();
    console.log(
      `room board read, median of ${RUNS}: SELECT * FROM rooms ${ms(median(floor))} (floor); ` +
        `GET /api/rooms ${ms(median(api))} (${ROOMS} rooms, ${(bytes / 1024).toFixed(0)} KiB)`,
    );

    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
      page.setDefaultTimeout(30_000);
      const drawn: number[] = [];
      for (let i = 0; i < 5; i++) {
        await page.context().clearCookies();
        await page.goto(url);
        await page.fill('#login-user', ADMIN.user);
        await page.fill('#login-password', ADMIN.password);
        const t = performance.now();
        await page.click('#login-submit');
        await page.waitForFunction(
          (n) => document.querySelectorAll('#rooms tr[data-room]').length === n,
          ROOMS,
        );
        drawn.push(performance.now() - t);
      }
      console.log(`page: log in until all ${ROOMS} rows are drawn, median of 5: ${ms(median(drawn))}`);

      const search: number[] = [];
      const visible = (): Promise<string[]> =>
        page.$$eval('#rooms tr[data-room]', (rows) =>
          rows.filter((r) => !(r as HTMLElement).hidden).map((r) => (r as HTMLElement).dataset.room!),
        );
      for (let i = 0; i < 5; i++) {
        const room = String(FIRST + 2 * (100 + i));
        const t = performance.now();
        await page.fill('#room-search', `Guest ${room}`);
        await page.waitForFunction(
          (want) => {
            const shown = [...document.querySelectorAll('#rooms tr[data-room]')].filter(
              (r) => !(r as HTMLElement).hidden,
            );
            return shown.length === 1 && (shown[0] as HTMLElement).dataset.room === want;
          },
          room,
          { polling: 'raf' },
        );
        search.push(performance.now() - t);
        await page.fill('#room-search', '');
        await page.waitForFunction(
          (n) =>
            [...document.querySelectorAll('#rooms tr[data-room]')].filter((r) => !(r as HTMLElement).hidden)
              .length === n,
          ROOMS,
        );
      }
      if ((await visible()).length !== ROOMS) throw new Error('the search did not clear');
      console.log(
        `page: a search over ${ROOMS} rooms until one row is left (100 ms debounce included), median of 5: ${ms(median(search))}`,
      );

      const reply: number[] = [];
      const shown: number[] = [];
      for (let i = 0; i < 20; i++) {
        const room = String(FIRST + 1 + 2 * i); // a vacant one
        const name = `Bench ${i}`;
        const cell = page.locator(`tr[data-room="${room}"] [data-field="guest"]`);
        const t = performance.now();
        const r = await pms.call([
          ['Action', 'Set'],
          ['CallMethod', 'CheckIn'],
          ['Phone', room],
          ['Name', name],
          ['Limit', '3'],
        ]);
        if (r.get('Response') !== 'Success') throw new Error(`CheckIn ${room}: ${r.get('Message')}`);
        reply.push(performance.now() - t);
        await cell.filter({ hasText: name }).waitFor();
        shown.push(performance.now() - t);
      }
      console.log(
        `CheckIn → its row on the page, 20 rooms: Success reply median ${ms(median(reply))} p95 ${ms(p95(reply))} (floor); ` +
          `row shown median ${ms(median(shown))} p95 ${ms(p95(shown))} (the console batches changes for 200 ms)`,
      );
      const mem = process.memoryUsage();
      console.log(
        `this process (the engine, its console with one page open, playwright's client): rss ${(mem.rss / 1048576).toFixed(0)} MiB, heap used ${(mem.heapUsed / 1048576).toFixed(0)} MiB`,
      );
    } finally {
      await browser.close();
    }
  } finally {
    await web.close();
    await pms.close();
    await engine.stop();
    const db = await labDatabase();
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.end();
  }
}

async function login(url: string): Promise<string> {
  const r = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: ADMIN.user, password: ADMIN.password }),
  });
  if (r.status !== 200) throw new Error(`login: ${r.status}`);
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

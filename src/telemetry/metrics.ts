// /metrics in Prometheus' text format (prom-client, its own registry per engine): the links' states,
// the PMS commands by CallMethod and result with a latency histogram, wake-up attempts by result and
// their lateness, LeaveMessage pushes, PMS sessions, and the FIAS outbox's depth. Counters follow the
// telemetry bus; gauges are read when scraped.
import client from 'prom-client';
import type { Engine } from '../engine.js';
import type { AttemptRecord, CommandRecord } from './bus.js';

const LINK_STATES = ['connecting', 'ready', 'reconnecting', 'end'];
const FIAS_STATES = ['CLOSED', 'WAIT_LS', 'ESTABLISHED', 'EXPECTION', 'DISABLED', 'EXPIRED', 'WAIT_LE'];

export class Metrics {
  readonly registry = new client.Registry();

  constructor(engine: Engine) {
    const r = this.registry;
    const commands = new client.Counter({
      name: 'pms_commands_total',
      help: 'PMS requests answered, by Action, CallMethod and result (Success or Error)',
      labelNames: ['action', 'call_method', 'result'],
      registers: [r],
    });
    const latency = new client.Histogram({
      name: 'pms_command_duration_seconds',
      help: 'time from a PMS request to its (first) reply, by CallMethod',
      labelNames: ['call_method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    const attempts = new client.Counter({
      name: 'pms_wakeup_attempts_total',
      help: 'wake-up call attempts that ended, by result',
      labelNames: ['result'],
      registers: [r],
    });
    const lateness = new client.Histogram({
      name: 'pms_wakeup_lateness_seconds',
      help: 'how late a wake-up call attempt was placed after its planned time',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [r],
    });
    const pushes = new client.Counter({
      name: 'pms_leave_message_pushes_total',
      help: 'LeaveMessage pushes (a room’s message counts changed)',
      registers: [r],
    });
    new client.Gauge({
      name: 'pms_link_state',
      help: 'state of each link: 1 for its current state, 0 for the others',
      labelNames: ['link', 'state'],
      registers: [r],
      collect() {
        const set = (link: string, states: string[], now: string) => {
          for (const s of states) this.set({ link, state: s }, s === now ? 1 : 0);
        };
        set('ami', LINK_STATES, engine.ami.state);
        set('ari', LINK_STATES, engine.ari.state);
        set('db', LINK_STATES, engine.store.state);
        if (engine.fias) set('fias', FIAS_STATES, engine.fias.status().state);
      },
    });
    new client.Gauge({
      name: 'pms_sessions',
      help: 'open PMS sessions, by whether they are logged in',
      labelNames: ['logged_in'],
      registers: [r],
      collect() {
        const views = engine.server.sessionViews();
        this.set({ logged_in: 'yes' }, views.filter((v) => v.user).length);
        this.set({ logged_in: 'no' }, views.filter((v) => !v.user).length);
      },
    });
    if (engine.fias)
      new client.Gauge({
        name: 'pms_fias_outbox_depth',
        help: 'records waiting in the FIAS outbox for the PMS',
        registers: [r],
        async collect() {
          const n = await engine.fiasOutboxDepth().catch(() => undefined);
          if (n !== undefined) this.set(n);
        },
      });
    const t = engine.telemetry;
    const onCommand = (c: CommandRecord): void => {
      commands.inc({ action: c.action, call_method: c.callMethod, result: c.result });
      latency.observe({ call_method: c.callMethod }, c.ms / 1000);
    };
    const onAttempt = (a: AttemptRecord): void => {
      attempts.inc({ result: a.result });
      lateness.observe(Math.max(0, a.lateMs) / 1000);
    };
    const onPush = (): void => pushes.inc();
    t.on('command', onCommand);
    t.on('attempt', onAttempt);
    t.on('leaveMessage', onPush);
    this.close = () => {
      t.off('command', onCommand);
      t.off('attempt', onAttempt);
      t.off('leaveMessage', onPush);
    };
  }

  /** Stops counting (the console closed). */
  readonly close: () => void;

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

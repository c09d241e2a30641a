// The operator console's page: plain ES module, no dependency, nothing fetched from outside the engine.
// Everything the server sends is put into the page as text (textContent / createElement), never as
// HTML: guest names and PMS frames are untrusted. Live updates come from the event stream
// (GET /api/events); on every (re)connect the page catches up with the four read APIs.

// ---------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) e.dataset[dk] = String(dv);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) e.append(c);
  return e;
}

function setText(node, text) {
  const t = text === undefined || text === null ? '' : String(text);
  if (node.textContent !== t) node.textContent = t;
}

function debounce(fn, ms) {
  let timer;
  const d = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(timer);
  return d;
}

/** Lower case without accents: "Müller" is found by "muller". */
const fold = (s) =>
  String(s ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();

// ---------------------------------------------------------------------------------------------------
// Hotel time (GET /api/state → hotel.timeZone); every time on the page is the hotel's local time, 24 h
// ---------------------------------------------------------------------------------------------------

const clock = {
  zone: 'UTC',
  fmt: null,
  todayKey: '',
  todayAt: 0,
};

function setZone(zone) {
  const opts = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  };
  try {
    clock.fmt = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: zone });
    clock.zone = zone;
  } catch {
    clock.fmt = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: 'UTC' });
    clock.zone = 'UTC';
  }
  clock.todayAt = 0;
}
setZone('UTC');

function parts(ms) {
  const o = {};
  for (const p of clock.fmt.formatToParts(ms)) o[p.type] = p.value;
  if (o.hour === '24') o.hour = '00';
  return o;
}

const isTime = (ms) => typeof ms === 'number' && Number.isFinite(ms);

/** HH:MM:SS in the hotel's zone. */
function fmtTime(ms) {
  if (!isTime(ms)) return '';
  const p = parts(ms);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** YYYY-MM-DD in the hotel's zone. */
function fmtDay(ms) {
  if (!isTime(ms)) return '';
  const p = parts(ms);
  return `${p.year}-${p.month}-${p.day}`;
}

/** YYYY-MM-DD HH:MM:SS */
function fmtFull(ms) {
  if (!isTime(ms)) return '';
  const p = parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

function hotelToday() {
  const now = Date.now();
  if (now - clock.todayAt > 30_000) {
    clock.todayKey = fmtDay(now);
    clock.todayAt = now;
  }
  return clock.todayKey;
}

/** The time alone when it is today (hotel's day), with the date otherwise. */
function fmtWhen(ms) {
  if (!isTime(ms)) return '';
  const p = parts(ms);
  const day = `${p.year}-${p.month}-${p.day}`;
  const time = `${p.hour}:${p.minute}:${p.second}`;
  return day === hotelToday() ? time : `${day} ${time}`;
}

/** A <time> element: short text, full date and zone as its title. */
function timeEl(ms, text = fmtWhen(ms)) {
  if (!isTime(ms)) return el('span', { class: 'muted', text: '—' });
  return el('time', {
    datetime: new Date(ms).toISOString(),
    title: `${fmtFull(ms)} (${clock.zone})`,
    text,
  });
}

// ---------------------------------------------------------------------------------------------------
// Session and API
// ---------------------------------------------------------------------------------------------------

const S = {
  user: null,
  grade: 0,
  csrf: '',
  /** Bumped at every login/logout: answers for an older generation are dropped. */
  gen: 0,
  es: null,
  esRetry: undefined,
  fias: null,
  days: [],
};

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = S.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const gen = S.gen;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(
      0,
      `The engine did not answer (${err && err.message ? err.message : 'network error'})`,
    );
  }
  if (res.status === 401) {
    if (gen === S.gen && S.user) loggedOut('Your console session has ended: please log in again.');
    throw new ApiError(401, 'Login required');
  }
  if (res.status === 204) return null;
  let data = null;
  const type = res.headers.get('content-type') || '';
  if (type.includes('json')) data = await res.json().catch(() => null);
  else await res.text().catch(() => '');
  if (!res.ok) {
    const msg = data && typeof data.error === 'string' ? data.error : data && data.message;
    throw new ApiError(res.status, msg ? String(msg) : `HTTP ${res.status} ${res.statusText}`);
  }
  if (gen !== S.gen) throw new ApiError(-1, 'stale');
  return data;
}

// ---------------------------------------------------------------------------------------------------
// Login / logout
// ---------------------------------------------------------------------------------------------------

function showLogin(message) {
  $('booting').hidden = true;
  $('app').hidden = true;
  $('topnav').hidden = true;
  $('logout').hidden = true;
  $('zone').hidden = true;
  setText($('whoami'), '');
  document.body.removeAttribute('data-grade');
  const form = $('login-form');
  form.hidden = false;
  setText($('login-error'), message || '');
  $('login-submit').disabled = false;
  const user = $('login-user');
  (user.value ? $('login-password') : user).focus();
}

function loggedOut(message) {
  S.gen++;
  S.user = null;
  S.grade = 0;
  S.csrf = '';
  closeStream();
  resetViews();
  showLogin(message);
}

async function onLoginSubmit(ev) {
  ev.preventDefault();
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  const error = $('login-error');
  if (!user || !password) {
    setText(error, 'Enter the user and the password.');
    return;
  }
  const submit = $('login-submit');
  submit.disabled = true;
  setText(error, '');
  try {
    const res = await fetch('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ user, password }),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const data = await res.json().catch(() => null);
    if (!res.ok || !data || !data.csrf) {
      const msg = data && data.error ? String(data.error) : `Login failed (HTTP ${res.status})`;
      setText(error, msg);
      $('login-password').select();
      return;
    }
    $('login-password').value = '';
    startSession(data);
  } catch (err) {
    setText(error, `The engine did not answer (${err && err.message ? err.message : 'network error'})`);
  } finally {
    submit.disabled = false;
  }
}

async function onLogout() {
  const btn = $('logout');
  btn.disabled = true;
  try {
    await api('POST', '/api/logout');
  } catch {
    // Logged out anyway (a 401 already did it).
  } finally {
    btn.disabled = false;
  }
  if (S.user) loggedOut('');
}

function startSession(me) {
  S.gen++;
  S.user = String(me.user);
  S.grade = me.grade === 1 ? 1 : 2;
  S.csrf = String(me.csrf || '');
  document.body.dataset.grade = String(S.grade);
  setText($('whoami'), `${S.user} (${S.grade === 1 ? 'administrator' : 'operator'})`);
  $('booting').hidden = true;
  $('login-form').hidden = true;
  setText($('login-error'), '');
  $('app').hidden = false;
  $('topnav').hidden = false;
  $('logout').hidden = false;
  if (S.grade === 1) installActions();
  openStream();
}

// ---------------------------------------------------------------------------------------------------
// Live stream and catching up
// ---------------------------------------------------------------------------------------------------

function setLive(state, text) {
  const live = $('live');
  live.dataset.state = state;
  setText(live, text);
}

function closeStream() {
  clearTimeout(S.esRetry);
  S.esRetry = undefined;
  if (S.es) {
    S.es.close();
    S.es = null;
  }
  setLive('off', 'offline');
}

function openStream() {
  closeStream();
  const gen = S.gen;
  const es = new EventSource('/api/events');
  S.es = es;
  setLive('connecting', 'connecting…');
  const on = (name, fn) =>
    es.addEventListener(name, (e) => {
      if (gen !== S.gen) return;
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      try {
        fn(data);
      } catch (err) {
        console.error(`console: the ${name} event could not be shown`, err);
      }
    });
  es.addEventListener('open', () => {
    if (gen !== S.gen) return;
    setLive('on', 'live');
    void catchUp();
  });
  es.addEventListener('error', () => {
    if (gen !== S.gen) return;
    if (es.readyState === EventSource.CLOSED) {
      // Refused (401, 503 too many streams, engine gone): find out why, then try again.
      setLive('down', 'disconnected');
      S.es = null;
      void api('GET', '/api/me')
        .then(() => {
          if (gen !== S.gen) return;
          void catchUp();
          S.esRetry = setTimeout(() => gen === S.gen && openStream(), 5000);
        })
        .catch((err) => {
          if (gen !== S.gen || (err && err.status === 401)) return;
          S.esRetry = setTimeout(() => gen === S.gen && openStream(), 5000);
        });
    } else {
      setLive('connecting', 'reconnecting…');
    }
  });
  on('link', (d) => {
    if (d.status) {
      upsertLink(d.status);
      buffered('links', d.status);
    }
    if (d.event) {
      addEvent(d.event);
      buffered('events', d.event);
      notify(d.event.level, d.event.text);
    }
    if (d.status && d.status.link === 'fias') refreshFiasSoon();
  });
  on('event', (e) => {
    addEvent(e);
    buffered('events', e);
    notify(e.level, e.text);
  });
  on('session', (s) => {
    upsertSession(s);
    buffered('sessions', s);
  });
  on('frame', (f) => {
    addFrame(f);
    buffered('frames', f);
  });
  on('rooms', (list) => {
    if (!Array.isArray(list)) return;
    updateRooms(list);
    buffered('rooms', ...list);
  });
  on('wakeups', () => wakeupsSoon());
}

function showLoadError(errors) {
  const box = $('load-error');
  const list = errors.filter((e) => e && e.status !== 401 && e.status !== -1);
  if (!list.length) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  setText(box, `Could not read everything from the engine: ${list.map((e) => e.message).join('; ')}`);
}

/**
 * Live events that arrive while a catch-up's reads are on their way: they may be newer than what
 * those reads return, so they are applied again on top of the snapshots.
 */
const catchUps = new Set();

function buffered(kind, ...items) {
  for (const b of catchUps) b[kind].push(...items);
}

function replay(b) {
  for (const l of b.links) upsertLink(l);
  for (const s of b.sessions) upsertSession(s);
  for (const e of b.events) addEvent(e);
  if (b.rooms.length) updateRooms(b.rooms);
  if (b.frames.length && b.convApplied) {
    const key = (f) => `${f.session}\u0000${f.at}\u0000${f.dir}\u0000${f.text}`;
    const have = new Set(b.snapshotFrames.map(key));
    for (const f of b.frames) if (!have.has(key(f))) addFrame(f);
  }
}

async function catchUp() {
  const gen = S.gen;
  const buffer = {
    links: [],
    sessions: [],
    events: [],
    rooms: [],
    frames: [],
    snapshotFrames: [],
    convApplied: false,
  };
  catchUps.add(buffer);
  const wseq = ++wakeupSeq;
  let settled;
  try {
    settled = await Promise.allSettled([
      api('GET', '/api/state'),
      api('GET', '/api/rooms'),
      api('GET', '/api/wakeups'),
      api('GET', '/api/conversation'),
    ]);
  } finally {
    catchUps.delete(buffer);
  }
  const [state, rooms, wakeups, conv] = settled;
  if (gen !== S.gen) return;
  const errors = [];
  const take = (r, fn) => {
    if (r.status === 'fulfilled') {
      try {
        fn(r.value);
      } catch (err) {
        console.error(err);
        errors.push(new ApiError(0, String(err && err.message)));
      }
    } else errors.push(r.reason);
  };
  take(state, applyState); // first: the hotel's time zone
  take(rooms, (d) => applyRooms(d.rooms || []));
  take(wakeups, (d) => {
    if (wseq === wakeupSeq) applyWakeups(d); // else a newer read is on its way
  });
  take(conv, (d) => {
    applyConversation(d.sessions || []);
    for (const s of d.sessions || []) buffer.snapshotFrames.push(...(s.frames || []));
    buffer.convApplied = true;
  });
  take({ status: 'fulfilled', value: buffer }, replay);
  showLoadError(errors);
}

function resetViews() {
  for (const id of ['links', 'events', 'sessions-body', 'rooms-body', 'conversation', 'notices'])
    $(id).replaceChildren();
  for (const tb of $('wakeups').querySelectorAll('tbody')) tb.remove();
  links.clear();
  sessions.clear();
  eventIds.clear();
  conversations.clear();
  rooms.rows.clear();
  rooms.order = [];
  rooms.built = false;
  wakeupsSoon.cancel();
  fiasSoon.cancel();
  S.fias = null;
  S.days = [];
  const actions = $('actions');
  if (actions) actions.remove();
  $('nav-actions').hidden = true;
  setText($('room-count'), '');
  setText($('hotel-summary'), '');
  setText($('wakeup-summary'), '');
  $('load-error').hidden = true;
  refreshEmpties();
}

function refreshEmpties() {
  $('sessions-empty').hidden = sessions.size > 0;
  $('events-empty').hidden = eventIds.size > 0;
  $('conversation-empty').hidden = conversations.size > 0;
  setText($('session-count'), sessions.size ? `${openSessions()} open` : '');
  setText($('event-count'), eventIds.size ? `${eventIds.size} event${eventIds.size === 1 ? '' : 's'}` : '');
}

// ---------------------------------------------------------------------------------------------------
// State: links, sessions, FIAS, events
// ---------------------------------------------------------------------------------------------------

function applyState(st) {
  const tz = st.hotel && st.hotel.timeZone ? String(st.hotel.timeZone) : 'UTC';
  if (tz !== clock.zone) setZone(tz);
  const zone = $('zone');
  zone.hidden = false;
  setText(zone, `hotel time: ${clock.zone}`);
  if (st.hotel) setText($('hotel-summary'), `${st.hotel.rooms} rooms · times in ${clock.zone}`);
  S.fias = st.fias || null;
  for (const l of st.links || []) upsertLink(l);
  // A link the engine no longer lists (FIAS switched off) goes away.
  const listed = new Set((st.links || []).map((l) => l.link));
  for (const [name, l] of links) {
    if (!listed.has(name)) {
      l.root.remove();
      links.delete(name);
    }
  }
  if (links.has('fias')) fillFias(links.get('fias'));
  setFiasActions();
  applySessions(st.sessions || []);
  applyEvents(st.events || []);
}

// --- links ---

const LINK_LABEL = { ami: 'AMI', ari: 'ARI', db: 'Database', fias: 'FIAS' };
const LINK_ORDER = ['ami', 'ari', 'db', 'fias'];
const LINK_UP = new Set(['ready', 'ESTABLISHED']);
const LINK_WAIT = new Set(['connecting', 'reconnecting', 'WAIT_LS', 'WAIT_LE']);
const LINK_DOWN = new Set(['EXPECTION', 'end', 'DISABLED', 'EXPIRED', 'CLOSED']);
const links = new Map();

function linkLevel(state) {
  if (LINK_UP.has(state)) return 'ok';
  if (LINK_WAIT.has(state)) return 'wait';
  if (LINK_DOWN.has(state)) return 'down';
  return 'wait';
}

function upsertLink(l) {
  if (!l || !l.link) return;
  let entry = links.get(l.link);
  if (!entry) {
    const dot = el('span', { class: 'dot', 'aria-hidden': 'true' });
    const state = el('span', { class: 'link-state' });
    const since = el('div', { class: 'link-since' });
    const error = el('div', { class: 'link-error' });
    const extra = el('div', { class: 'link-extra' });
    const root = el(
      'article',
      { class: 'link', dataset: { link: l.link } },
      el(
        'div',
        { class: 'link-head' },
        dot,
        el('span', { class: 'link-name', text: LINK_LABEL[l.link] || l.link }),
        state,
      ),
      since,
      error,
      extra,
    );
    entry = { root, state, since, error, extra };
    links.set(l.link, entry);
    // Keep AMI, ARI, Database, FIAS order.
    const box = $('links');
    const rank = LINK_ORDER.indexOf(l.link);
    const next = [...box.children].find((c) => LINK_ORDER.indexOf(c.dataset.link) > rank);
    box.insertBefore(root, next || null);
  }
  const level = linkLevel(l.state);
  entry.root.dataset.state = String(l.state);
  entry.root.dataset.level = level;
  entry.root.title = `${LINK_LABEL[l.link] || l.link}: ${l.state}`;
  setText(entry.state, l.state);
  entry.since.replaceChildren('since ', timeEl(l.since));
  if (l.lastError) {
    entry.error.hidden = false;
    entry.error.replaceChildren(
      el('span', { class: 'label', text: 'last error ' }),
      isTime(l.lastErrorAt) ? timeEl(l.lastErrorAt) : '',
      isTime(l.lastErrorAt) ? ': ' : '',
      el('span', { class: 'error-text', text: l.lastError }),
    );
  } else {
    entry.error.hidden = true;
    entry.error.replaceChildren();
  }
  if (l.link === 'fias') fillFias(entry);
  else entry.extra.hidden = true;
}

function fillFias(entry) {
  const f = S.fias;
  if (!f) {
    entry.extra.hidden = true;
    return;
  }
  entry.extra.hidden = false;
  const sinceMs = Date.parse(f.since);
  const rows = [
    ['phase', f.phase],
    ['records in/out', `${f.recordsIn} / ${f.recordsOut}`],
    ['applied / failed', `${f.applied} / ${f.failed}`],
    ['invalid / frame errors', `${f.invalidRecords} / ${f.frameErrors}`],
    ['can send', f.canSend ? 'yes' : 'no'],
  ];
  if (typeof f.retryInMs === 'number') rows.push(['retry in', `${Math.round(f.retryInMs / 1000)} s`]);
  const dl = el('dl', { class: 'kv' });
  for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', { text: v ?? '' }));
  if (Number.isFinite(sinceMs)) dl.append(el('dt', { text: 'state since' }), el('dd', null, timeEl(sinceMs)));
  const why = f.why
    ? el('p', { class: 'fias-why' }, el('span', { class: 'label', text: 'why ' }), String(f.why))
    : '';
  entry.extra.replaceChildren(why, dl);
}

const fiasSoon = debounce(async () => {
  try {
    const st = await api('GET', '/api/state');
    S.fias = st.fias || null;
    if (links.has('fias')) fillFias(links.get('fias'));
    setFiasActions();
  } catch {
    // The next catch-up will show it.
  }
}, 400);
const refreshFiasSoon = () => fiasSoon();

// --- sessions ---

const sessions = new Map();
const openSessions = () => [...sessions.values()].filter((s) => s.view.state !== 'closed').length;

function applySessions(list) {
  const keep = new Set(list.map((s) => s.id));
  for (const [id, s] of sessions) {
    if (!keep.has(id)) {
      s.tr.remove();
      sessions.delete(id);
    }
  }
  for (const s of list) upsertSession(s);
  refreshEmpties();
}

function upsertSession(s) {
  if (!s || !s.id) return;
  let entry = sessions.get(s.id);
  if (!entry) {
    const cells = {};
    const tr = el('tr', { dataset: { session: s.id } });
    for (const f of ['id', 'remote', 'user', 'since', 'heartbeat', 'state']) {
      cells[f] = el(f === 'id' ? 'th' : 'td', { dataset: { field: f } });
      if (f === 'id') cells[f].setAttribute('scope', 'row');
      tr.append(cells[f]);
    }
    entry = { tr, cells, view: s };
    sessions.set(s.id, entry);
    $('sessions-body').prepend(tr);
  }
  entry.view = s;
  const c = entry.cells;
  setText(c.id, s.id);
  setText(c.remote, s.remote);
  setText(c.user, s.user ?? 'not logged in');
  c.user.classList.toggle('muted', !s.user);
  c.since.replaceChildren(timeEl(s.since));
  c.heartbeat.replaceChildren(
    isTime(s.lastHeartbeat) ? timeEl(s.lastHeartbeat) : el('span', { class: 'muted', text: 'none yet' }),
  );
  const closed = s.state === 'closed';
  entry.tr.dataset.state = s.state;
  entry.tr.classList.toggle('closed', closed);
  c.state.replaceChildren(
    el('span', { class: `badge ${closed ? 'badge-off' : 'badge-ok'}`, text: s.state }),
    closed && s.why ? el('span', { class: 'muted small why', text: ` ${s.why}` }) : '',
  );
  const conv = conversations.get(s.id);
  if (conv) markConversation(conv, closed, s.user);
  // Closed sessions stay greyed; only the last 20 of them are kept.
  const closedOnes = [...sessions.values()].filter((x) => x.view.state === 'closed');
  for (const x of closedOnes.slice(0, Math.max(0, closedOnes.length - 20))) {
    x.tr.remove();
    sessions.delete(x.view.id);
  }
  refreshEmpties();
}

// --- events and notices ---

const KEEP_EVENTS = 500;
const eventIds = new Set();

function eventLi(e) {
  return el(
    'li',
    { class: 'event', dataset: { level: e.level, kind: e.kind, id: e.id } },
    timeEl(e.at),
    el('span', { class: `kind kind-${e.kind}`, text: e.kind }),
    el('span', { class: 'text', text: e.text }),
  );
}

function applyEvents(list) {
  eventIds.clear();
  const frag = document.createDocumentFragment();
  const recent = list.slice(-KEEP_EVENTS).reverse(); // newest first
  for (const e of recent) {
    eventIds.add(e.id);
    frag.append(eventLi(e));
  }
  $('events').replaceChildren(frag);
  refreshEmpties();
}

function addEvent(e) {
  if (!e || eventIds.has(e.id)) return;
  eventIds.add(e.id);
  const ul = $('events');
  ul.prepend(eventLi(e));
  while (ul.children.length > KEEP_EVENTS) {
    const last = ul.lastElementChild;
    eventIds.delete(Number(last.dataset.id));
    last.remove();
  }
  refreshEmpties();
}

const NOTICE_MS = 8000;
const MAX_NOTICES = 6;

function notify(level, text) {
  const box = $('notices');
  const close = el('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', text: '×' });
  const n = el(
    'div',
    { class: 'notice', role: level === 'warn' ? 'alert' : 'status', dataset: { level: level || 'info' } },
    el(
      'div',
      { class: 'notice-body' },
      el('span', { class: 'notice-time', text: fmtTime(Date.now()) }),
      el('span', { class: 'notice-text', text }),
    ),
    close,
  );
  const remove = () => {
    clearTimeout(timer);
    n.classList.add('leaving');
    setTimeout(() => n.remove(), 200);
  };
  close.addEventListener('click', remove);
  const timer = setTimeout(remove, NOTICE_MS);
  box.prepend(n);
  while (box.children.length > MAX_NOTICES) box.lastElementChild.remove();
}

// ---------------------------------------------------------------------------------------------------
// Room board: built once, then single rows updated by extension; the filter only toggles `hidden`
// ---------------------------------------------------------------------------------------------------

const rooms = {
  rows: new Map(), // extension → { tr, c: cells, v: view, key, shown }
  order: [],
  built: false,
  filter: 'all',
  query: '',
  shown: 0,
};
const ROOM_FIELDS = [
  'room',
  'occupied',
  'guest',
  'checkedin',
  'class',
  'dnd',
  'voicemail',
  'messages',
  'desklamp',
];

function roomRow(ext) {
  const tr = document.createElement('tr');
  tr.dataset.room = ext;
  const c = {};
  for (const f of ROOM_FIELDS) {
    const td = document.createElement(f === 'room' ? 'th' : 'td');
    if (f === 'room') td.scope = 'row';
    td.dataset.field = f;
    tr.append(td);
    c[f] = td;
  }
  return { tr, c, v: null, key: '', shown: true, sig: '' };
}

function fillRoom(r, v) {
  const sig = JSON.stringify(v);
  if (sig === r.sig) return false;
  r.sig = sig;
  r.v = v;
  const { c, tr } = r;
  tr.dataset.occupied = String(!!v.occupied);
  tr.dataset.dnd = String(!!(v.dnd && v.dnd.on));
  const msgNew = (v.messages && v.messages.new) || 0;
  const msgOld = (v.messages && v.messages.old) || 0;
  tr.dataset.messages = String(msgNew);
  setText(c.room, v.extension);
  setText(c.occupied, v.occupied ? 'Occupied' : 'Vacant');
  c.occupied.className = v.occupied ? 'st-occ' : 'st-vac';
  setText(c.guest, v.guestName ?? '');
  c.guest.title = v.guestName
    ? `${v.guestName}${isTime(v.checkedInAt) ? `\nchecked in ${fmtFull(v.checkedInAt)}` : ''}`
    : '';
  if (isTime(v.checkedInAt)) {
    setText(c.checkedin, fmtWhen(v.checkedInAt));
    c.checkedin.title = fmtFull(v.checkedInAt);
  } else {
    setText(c.checkedin, '');
    c.checkedin.title = '';
  }
  setText(c.class, v.classOfService);
  c.class.className = `cos cos-${v.classOfService}`;
  if (v.dnd && v.dnd.on) {
    const win = isTime(v.dnd.start) && isTime(v.dnd.end);
    setText(c.dnd, win ? `On ${fmtTime(v.dnd.start).slice(0, 5)}–${fmtTime(v.dnd.end).slice(0, 5)}` : 'On');
    c.dnd.title = win
      ? `Do not disturb from ${fmtFull(v.dnd.start)} to ${fmtFull(v.dnd.end)}`
      : 'Do not disturb until cancelled';
    c.dnd.className = 'on-warn';
  } else {
    setText(c.dnd, 'Off');
    c.dnd.title = '';
    c.dnd.className = 'off';
  }
  const vm = v.voicemail || {};
  setText(c.voicemail, vm.enabled ? (vm.lamp ? 'On · lamp lit' : 'On') : 'Off');
  c.voicemail.className = vm.enabled ? (vm.lamp ? 'on-lamp' : 'on') : 'off';
  setText(c.messages, msgNew || msgOld ? `${msgNew} new / ${msgOld} old` : '—');
  c.messages.className = msgNew ? 'msg-new' : msgOld ? '' : 'off';
  c.messages.title =
    msgNew || msgOld
      ? `${msgNew} new, ${msgOld} old voicemail message${msgNew + msgOld === 1 ? '' : 's'}`
      : '';
  setText(c.desklamp, v.deskLamp ? 'Lit' : '—');
  c.desklamp.className = v.deskLamp ? 'on-lamp' : 'off';
  r.key = `${fold(v.extension)}\u0000${fold(v.guestName)}`;
  return true;
}

function roomMatches(r) {
  const v = r.v;
  if (!v) return false;
  switch (rooms.filter) {
    case 'occupied':
      if (!v.occupied) return false;
      break;
    case 'vacant':
      if (v.occupied) return false;
      break;
    case 'dnd':
      if (!(v.dnd && v.dnd.on)) return false;
      break;
    case 'messages':
      if (
        !(v.messages && (v.messages.new > 0 || v.messages.old > 0)) &&
        !(v.voicemail && v.voicemail.lamp) &&
        !v.deskLamp
      )
        return false;
      break;
    default:
      break;
  }
  return !rooms.query || r.key.includes(rooms.query);
}

/** Shows or hides one row; keeps the shown count. */
function placeRoom(r) {
  const show = roomMatches(r);
  if (show !== r.shown) {
    r.shown = show;
    r.tr.hidden = !show;
    rooms.shown += show ? 1 : -1;
  }
}

function applyRoomFilter() {
  let shown = 0;
  for (const r of rooms.rows.values()) {
    const show = roomMatches(r);
    if (show !== r.shown) {
      r.shown = show;
      r.tr.hidden = !show;
    }
    if (show) shown++;
  }
  rooms.shown = shown;
  showRoomCount();
}

function showRoomCount() {
  const total = rooms.rows.size;
  const filtered = rooms.filter !== 'all' || rooms.query;
  setText($('room-count'), `${rooms.shown} of ${total} room${total === 1 ? '' : 's'}`);
  $('room-count').dataset.filtered = String(Boolean(filtered));
  $('rooms-empty').hidden = rooms.shown > 0 || total === 0;
}

function applyRooms(list) {
  const same =
    rooms.built && list.length === rooms.order.length && list.every((v, i) => v.extension === rooms.order[i]);
  if (same) {
    // A catch-up: only rows that changed are touched.
    for (const v of list) {
      const r = rooms.rows.get(v.extension);
      if (fillRoom(r, v)) placeRoom(r);
    }
    showRoomCount();
    return;
  }
  rooms.rows.clear();
  rooms.order = list.map((v) => v.extension);
  const frag = document.createDocumentFragment();
  for (const v of list) {
    const r = roomRow(v.extension);
    fillRoom(r, v);
    rooms.rows.set(v.extension, r);
    frag.append(r.tr);
  }
  $('rooms-body').replaceChildren(frag);
  rooms.built = true;
  // The browser may have restored the inputs (reload): the board follows what they show.
  rooms.filter = $('room-filter').value;
  rooms.query = fold($('room-search').value.trim());
  for (const r of rooms.rows.values()) r.shown = true;
  applyRoomFilter();
  fillRoomList();
}

/** A `rooms` event: the changed rooms only. */
function updateRooms(list) {
  if (!rooms.built) return; // the catch-up will bring them
  for (const v of list) {
    if (!v || !v.extension) continue;
    let r = rooms.rows.get(v.extension);
    if (!r) {
      r = roomRow(v.extension);
      r.shown = true;
      rooms.shown++;
      rooms.rows.set(v.extension, r);
      rooms.order.push(v.extension);
      $('rooms-body').append(r.tr);
    }
    if (fillRoom(r, v)) {
      placeRoom(r);
      flash(r.tr);
    }
  }
  showRoomCount();
}

/** A short highlight of a changed row (Web Animations: no forced layout, even for many rows). */
function flash(tr) {
  if (typeof tr.animate !== 'function') return;
  tr.animate([{ backgroundColor: '#fff4c2' }, { backgroundColor: 'rgba(255, 244, 194, 0)' }], {
    duration: 1600,
    easing: 'ease-out',
  });
}

const onRoomSearch = debounce(() => {
  const q = fold($('room-search').value.trim());
  if (q === rooms.query) return;
  rooms.query = q;
  applyRoomFilter();
}, 100);

function onRoomFilter() {
  onRoomSearch.cancel();
  rooms.filter = $('room-filter').value;
  rooms.query = fold($('room-search').value.trim());
  applyRoomFilter();
}

function fillRoomList() {
  const list = $('room-list');
  if (!list) return;
  const frag = document.createDocumentFragment();
  for (const ext of rooms.order) frag.append(el('option', { value: ext }));
  list.replaceChildren(frag);
}

// ---------------------------------------------------------------------------------------------------
// Wake-ups (today and tomorrow): small, re-rendered whole from GET /api/wakeups
// ---------------------------------------------------------------------------------------------------

const OPEN_WAKEUP = new Set(['pending', 'calling']);
let wakeupSeq = 0;

const wakeupsSoon = debounce(async () => {
  const seq = ++wakeupSeq;
  try {
    const d = await api('GET', '/api/wakeups');
    if (seq === wakeupSeq) applyWakeups(d);
  } catch (err) {
    if (err && err.status !== 401 && err.status !== -1) console.error('console: wake-ups not read', err);
  }
}, 300);

function dayLabel(day, i) {
  return `${i === 0 ? 'Today' : i === 1 ? 'Tomorrow' : 'Day'} · ${day}`;
}

function applyWakeups(d) {
  const days = Array.isArray(d.days) ? d.days : [];
  S.days = days;
  const list = (d.wakeups || [])
    .slice()
    .sort(
      (a, b) => a.dueAt - b.dueAt || String(a.extension).localeCompare(String(b.extension)) || a.id - b.id,
    );
  const table = $('wakeups');
  for (const tb of table.querySelectorAll('tbody')) tb.remove();
  const byDay = new Map(days.map((day) => [day, []]));
  for (const w of list) {
    if (!byDay.has(w.localDate)) byDay.set(w.localDate, []);
    byDay.get(w.localDate).push(w);
  }
  let failed = 0;
  let open = 0;
  let i = 0;
  for (const [day, items] of byDay) {
    const tb = el('tbody', { dataset: { day } });
    const nFailed = items.filter((w) => w.failed).length;
    const head = el(
      'th',
      { colspan: 7, scope: 'colgroup' },
      el('span', { class: 'day-name', text: dayLabel(day, days.indexOf(day) >= 0 ? days.indexOf(day) : i) }),
      el('span', { class: 'muted small', text: ` ${items.length} wake-up${items.length === 1 ? '' : 's'}` }),
      nFailed ? el('span', { class: 'badge badge-bad', text: `${nFailed} failed` }) : '',
    );
    tb.append(el('tr', { class: 'day-head' }, head));
    if (!items.length)
      tb.append(
        el('tr', { class: 'day-empty' }, el('td', { colspan: 7, class: 'muted', text: 'No wake-up call.' })),
      );
    for (const w of items) {
      tb.append(wakeupRow(w));
      if (w.failed) failed++;
      if (OPEN_WAKEUP.has(w.state)) open++;
    }
    table.append(tb);
    i++;
  }
  setText($('wakeup-summary'), `${list.length} in all · ${open} open · ${failed} failed`);
  const dayList = $('day-list');
  if (dayList) dayList.replaceChildren(...days.map((day) => el('option', { value: day })));
  const date = $('wakeup-date');
  if (date && days[0]) date.placeholder = days[0];
  prefillCdr();
}

function wakeupRow(w) {
  const tr = el('tr', {
    class: w.failed ? 'failed' : undefined,
    dataset: { wakeup: w.id, room: w.extension, state: w.state },
  });
  tr.append(
    el('th', { scope: 'row', dataset: { field: 'room' }, text: w.extension }),
    el(
      'td',
      { dataset: { field: 'time' }, title: `due ${fmtFull(w.dueAt)} (${clock.zone})` },
      el('strong', { text: w.localStart }),
    ),
    el('td', { dataset: { field: 'state' } }, el('span', { class: `badge wk-${w.state}`, text: w.state })),
  );
  const attempts = el('td', { dataset: { field: 'attempts' } });
  attempts.append(el('div', { class: 'attempt-count', text: `${w.attempts} of ${w.maxAttempts}` }));
  const calls = (w.calls || []).slice().sort((a, b) => a.attempt - b.attempt);
  if (calls.length) {
    const ol = el('ol', { class: 'attempts' });
    for (const a of calls) ol.append(attemptEl(a));
    attempts.append(ol);
  }
  tr.append(attempts);
  tr.append(
    el(
      'td',
      { dataset: { field: 'next' } },
      isTime(w.nextAttemptAt) && OPEN_WAKEUP.has(w.state)
        ? timeEl(w.nextAttemptAt)
        : el('span', { class: 'muted', text: '—' }),
    ),
    el(
      'td',
      { dataset: { field: 'finished' } },
      isTime(w.finishedAt) ? timeEl(w.finishedAt) : el('span', { class: 'muted', text: '—' }),
    ),
  );
  const act = el('td', { class: 'col-act' });
  if (S.grade === 1 && OPEN_WAKEUP.has(w.state))
    act.append(
      el('button', {
        type: 'button',
        class: 'btn btn-small btn-danger',
        dataset: { cancel: w.id },
        text: 'Cancel',
      }),
    );
  tr.append(act);
  return tr;
}

function attemptEl(a) {
  const result = a.result || 'calling';
  const late = typeof a.lateMs === 'number' ? a.lateMs / 1000 : null;
  const lateText = late === null ? '' : `${late >= 0 ? '+' : ''}${late.toFixed(1)} s`;
  const titleBits = [
    `attempt ${a.attempt}`,
    `planned ${fmtFull(a.plannedAt)}`,
    `started ${fmtFull(a.startedAt)}`,
  ];
  if (isTime(a.answeredAt)) titleBits.push(`answered ${fmtFull(a.answeredAt)}`);
  if (isTime(a.endedAt)) titleBits.push(`ended ${fmtFull(a.endedAt)}`);
  if (late !== null) titleBits.push(`late ${late.toFixed(3)} s`);
  if (a.detail) titleBits.push(String(a.detail));
  return el(
    'li',
    { class: `attempt res-${result}`, dataset: { result, attempt: a.attempt }, title: titleBits.join('\n') },
    el('span', { class: 'att-n', text: `#${a.attempt}` }),
    el('time', {
      class: 'att-time',
      datetime: new Date(a.startedAt).toISOString(),
      text: fmtTime(a.startedAt),
    }),
    el('span', { class: 'att-result', text: result }),
    lateText
      ? el('span', { class: `att-late${late > 60 ? ' very-late' : ''}`, text: `late ${lateText}` })
      : '',
    a.detail ? el('span', { class: 'att-detail', text: String(a.detail) }) : '',
  );
}

// ---------------------------------------------------------------------------------------------------
// PMS conversation
// ---------------------------------------------------------------------------------------------------

const MAX_FRAMES = 200;
const conversations = new Map();

function conversationBlock(id) {
  let c = conversations.get(id);
  if (c) return c;
  const state = el('span', { class: 'badge badge-ok', text: 'open' });
  const user = el('span', { class: 'muted small' });
  const count = el('span', { class: 'muted small conv-count' });
  const frames = el('div', { class: 'frames', tabindex: '0', 'aria-label': `Frames of PMS session ${id}` });
  const root = el(
    'section',
    { class: 'conv', dataset: { conversation: id } },
    el('header', { class: 'conv-head' }, el('h3', { text: `Session ${id}` }), state, user, count),
    frames,
  );
  c = { root, frames, state, user, count, total: 0 };
  conversations.set(id, c);
  $('conversation').prepend(root); // newest session first
  const s = sessions.get(id);
  markConversation(c, s ? s.view.state === 'closed' : false, s ? s.view.user : null);
  refreshEmpties();
  return c;
}

function markConversation(c, closed, user) {
  c.root.dataset.closed = String(!!closed);
  c.root.classList.toggle('closed', !!closed);
  setText(c.state, closed ? 'closed' : 'open');
  c.state.className = `badge ${closed ? 'badge-off' : 'badge-ok'}`;
  if (user) setText(c.user, user);
}

function frameEl(f) {
  const dir = f.dir === 'out' ? 'out' : 'in';
  return el(
    'div',
    { class: `frame ${dir}` },
    el(
      'div',
      { class: 'frame-meta' },
      el('span', { class: 'frame-dir', text: dir === 'in' ? 'PMS → engine' : 'engine → PMS' }),
      timeEl(f.at, fmtTime(f.at)),
    ),
    el('pre', { class: 'frame-text', text: String(f.text ?? '') }),
  );
}

function trimFrames(c) {
  while (c.frames.childElementCount > MAX_FRAMES) c.frames.firstElementChild.remove();
  setText(
    c.count,
    `${c.total} frame${c.total === 1 ? '' : 's'}${c.total > MAX_FRAMES ? ` (last ${MAX_FRAMES} shown)` : ''}`,
  );
}

function applyConversation(list) {
  $('conversation').replaceChildren();
  conversations.clear();
  for (const s of list) {
    const c = conversationBlock(s.session);
    const frag = document.createDocumentFragment();
    const frames = (s.frames || []).slice(-MAX_FRAMES);
    for (const f of frames) frag.append(frameEl(f));
    c.frames.append(frag);
    c.total = (s.frames || []).length;
    const sess = sessions.get(s.session);
    markConversation(c, s.closed || (sess && sess.view.state === 'closed'), sess ? sess.view.user : null);
    trimFrames(c);
    c.frames.scrollTop = c.frames.scrollHeight;
  }
  refreshEmpties();
}

function addFrame(f) {
  if (!f || !f.session) return;
  const c = conversationBlock(f.session);
  const box = c.frames;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.append(frameEl(f));
  c.total++;
  trimFrames(c);
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// ---------------------------------------------------------------------------------------------------
// Actions (administrators only: not in the page at all for an operator)
// ---------------------------------------------------------------------------------------------------

function installActions() {
  if ($('actions')) return;
  const tpl = $('tpl-actions');
  const node = tpl.content.firstElementChild.cloneNode(true);
  $('app').append(node);
  $('nav-actions').hidden = false;
  $('action-resync').addEventListener('click', onResync);
  $('wakeup-form').addEventListener('submit', onWakeupSubmit);
  $('cdr-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('cdr-download').click();
  });
  for (const id of ['cdr-from', 'cdr-to'])
    $(id).addEventListener('input', (e) => {
      e.currentTarget.dataset.auto = 'false';
      updateCdrLink();
    });
  $('cdr-download').addEventListener('click', onCdrClick);
  fillRoomList();
  setFiasActions();
  prefillCdr();
}

/** The FIAS buttons exist only while the engine has a FIAS link (state.fias not null). */
function setFiasActions() {
  const box = $('fias-actions');
  const row = $('fias-buttons');
  if (!box || !row) return;
  box.hidden = !S.fias;
  if (!S.fias) {
    row.replaceChildren();
    return;
  }
  if (row.childElementCount) return;
  for (const [cmd, label, extra] of [
    ['enable', 'Enable', ''],
    ['disable', 'Disable', ''],
    ['disconnect', 'Disconnect', ' btn-danger'],
  ]) {
    const b = el('button', { type: 'button', class: `btn${extra}`, dataset: { fias: cmd }, text: label });
    b.addEventListener('click', onFias);
    row.append(b);
  }
}

function result(ok, text) {
  const out = $('action-result');
  if (!out) return;
  out.dataset.status = ok === null ? 'busy' : ok ? 'ok' : 'error';
  out.replaceChildren(
    el('span', { class: 'result-time', text: fmtTime(Date.now()) }),
    el('span', { class: 'result-text', text }),
  );
}

async function act(button, busyText, fn) {
  if (button) button.disabled = true;
  result(null, busyText);
  try {
    result(true, await fn());
  } catch (err) {
    if (err && err.status === -1) return;
    const code = err && err.status > 0 ? ` (HTTP ${err.status})` : '';
    if (err && err.status === 401) return;
    result(false, `${err && err.message ? err.message : String(err)}${code}`);
  } finally {
    if (button) button.disabled = false;
  }
}

function onResync(ev) {
  void act(ev.currentTarget, 'Re-syncing AstDB…', async () => {
    const r = await api('POST', '/api/resync');
    const vm =
      r && r.voicemail && typeof r.voicemail === 'object'
        ? Object.entries(r.voicemail)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : '';
    return `AstDB re-synced: ${r.rooms} rooms in ${r.ms} ms${vm ? ` · voicemail: ${vm}` : ''}`;
  });
}

function onWakeupSubmit(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const extension = $('wakeup-room').value.trim();
  let time = $('wakeup-time').value.trim();
  const date = $('wakeup-date').value.trim();
  const m = /^(\d{1,2})[:.h]?(\d{2})$/.exec(time);
  if (m) time = `${m[1].padStart(2, '0')}:${m[2]}`;
  const body = { extension, time };
  if (date) body.date = date;
  const submit = form.querySelector('button[type="submit"]');
  void act(submit, `Setting a wake-up for room ${extension}…`, async () => {
    const r = await api('POST', '/api/wakeups', body);
    wakeupsSoon();
    return `Wake-up #${r.id} set for room ${r.extension} at ${fmtFull(r.dueAt)}`;
  });
}

function onWakeupsClick(ev) {
  const btn = ev.target instanceof Element ? ev.target.closest('button[data-cancel]') : null;
  if (!btn || S.grade !== 1) return;
  const id = btn.dataset.cancel;
  const room = btn.closest('tr') ? btn.closest('tr').dataset.room : '';
  void act(btn, `Cancelling wake-up #${id}…`, async () => {
    const r = await api('DELETE', `/api/wakeups/${encodeURIComponent(id)}`);
    wakeupsSoon();
    return `Wake-up #${r.id}${room ? ` of room ${room}` : ''} cancelled${typeof r.cancelled === 'number' ? ` (${r.cancelled})` : ''}`;
  });
}

function onFias(ev) {
  const btn = ev.currentTarget;
  const cmd = btn.dataset.fias;
  void act(btn, `FIAS: ${cmd}…`, async () => {
    const f = await api('POST', `/api/fias/${cmd}`);
    S.fias = f;
    if (links.has('fias')) fillFias(links.get('fias'));
    return `FIAS ${cmd}: link ${f.state} (${f.phase})${f.why ? ` — ${f.why}` : ''}`;
  });
}

// --- call records ---

const LOCAL = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/;

/** The day after a YYYY-MM-DD day. */
function nextDay(day) {
  const noon = Date.parse(`${day}T12:00:00Z`);
  return Number.isFinite(noon) ? new Date(noon + 86_400_000).toISOString().slice(0, 10) : day;
}

/** Today 00:00 to tomorrow 00:00 (hotel time), until the operator types other values. */
function prefillCdr() {
  const from = $('cdr-from');
  const to = $('cdr-to');
  if (!from || !to) return;
  const today = S.days[0] || hotelToday();
  const tomorrow = S.days[1] || nextDay(today);
  if (!from.value || from.dataset.auto === 'true') {
    from.value = `${today} 00:00`;
    from.dataset.auto = 'true';
  }
  if (!to.value || to.dataset.auto === 'true') {
    to.value = `${tomorrow} 00:00`;
    to.dataset.auto = 'true';
  }
  updateCdrLink();
}

function cdrRange() {
  const from = $('cdr-from').value.trim().replace('T', ' ');
  const to = $('cdr-to').value.trim().replace('T', ' ');
  const ok = LOCAL.test(from) && LOCAL.test(to) && from.padEnd(19, ':00') <= to.padEnd(19, ':00');
  return { from, to, ok };
}

function updateCdrLink() {
  const a = $('cdr-download');
  if (!a) return;
  const { from, to, ok } = cdrRange();
  a.href = `/api/cdr.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  a.classList.toggle('invalid', !ok);
  a.title = ok
    ? `Call records from ${from} to ${to} (hotel time), as CSV`
    : 'From and To: YYYY-MM-DD hh:mm, From ≤ To';
}

function onCdrClick(ev) {
  updateCdrLink();
  const { from, to, ok } = cdrRange();
  if (!ok) {
    ev.preventDefault();
    result(false, 'from, to: YYYY-MM-DD hh:mm[:ss] in the hotel time, from ≤ to');
    return;
  }
  result(true, `Call records from ${from} to ${to} (${clock.zone}): download started`);
}

// ---------------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------------

function wire() {
  $('login-form').addEventListener('submit', onLoginSubmit);
  $('logout').addEventListener('click', onLogout);
  $('room-search').addEventListener('input', onRoomSearch);
  $('room-filter').addEventListener('change', onRoomFilter);
  $('wakeups').addEventListener('click', onWakeupsClick);
  refreshEmpties();
}

async function boot() {
  wire();
  try {
    const res = await fetch('/api/me', {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    });
    if (res.ok) {
      const me = await res.json();
      if (me && me.csrf) {
        startSession(me);
        return;
      }
    }
    showLogin('');
  } catch {
    showLogin('The engine did not answer; try again.');
  }
}

void boot();

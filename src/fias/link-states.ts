// The states of the FIAS link, by seed 002's names (its spelling too: EXPECTION), the finer phases we
// keep inside them, and the transition table src/fias/link.ts implements. The table is data so the
// unit tests check that each row has its test (test/unit/fias-link.test.ts).
//
// Decisions (FIAS 2.20 sections by name; seed 002 for the states):
// - Self-start. After connecting we listen 3 s ("FIAS Implementation Notes & Exceptions", "Usage of
//   LS LD LA LE Records"). If no record comes we send LD/LR…/LA at once rather than LS; the spec allows
//   either. An LS of ours may be answered with a bare LA by an IFC that still holds an older
//   description of us; LD/LR/LA always leaves it with the current one. A later LS is answered again.
// - ESTABLISHED is reached on the PMS's LA to our LD/LR/LA (the IFC's "Alive"), within initTimeoutSec
//   ("Time outs waiting for Responses" lists that LA, 30 s at least). A data record in its place counts
//   too: the IFC sends data only once Alive. Any record before our LD/LR/LA is ignored and logged.
// - Alive check: an LS every keepaliveSec (never under 300 s), answered by LA within ackTimeoutSec (3 s,
//   seed 002), else EXPECTION. An LA never gets an LA back from us, and none is expected.
// - EXPECTION reconnects after a capped, jittered exponential backoff (src/links/backoff.ts), counted
//   from the last ESTABLISHED: a TCP drop, a missed deadline, a connect that fails.
// - Our LE is sent only from ESTABLISHED (operator disconnect, disable, expiry): before that the PMS
//   holds no live link of ours and a TCP close is what it notices. After our LE we wait leTimeoutSec
//   (2 s, as the IFC does) for its LE, then close.
// - WAIT_LE (operator disconnect) ends in CLOSED, which never reconnects by itself: enable() does.
// - The PMS's LE is answered with LE and takes the link from ESTABLISHED to WAIT_LS with the
//   connection kept: nothing chargeable may be sent (the outbox keeps it), and the PMS's next record of
//   any kind but LS reactivates the link without a new LS ("LS - Link Start, LA - Link Alive, LE - Link
//   End"). An LS runs the start-up again; a TCP drop (what an IFC that shuts down does) or keepaliveSec
//   of silence goes to EXPECTION, and the reconnects find the IFC when it is back.
// - DISABLED: the operator's switch. Every timer stops (but a bounded LE wait), the connection closes
//   (LE first if established), nothing reconnects until enable(), which goes CLOSED → WAIT_LS.
// - EXPIRED: the PMS interface contract has ended, either its end date (expiresAt) has passed or the
//   engine got a notice (expire()). The date is checked when the link is enabled, before each
//   reconnect, and on a timer at the date itself (re-checked hourly at most). EXPIRED behaves like
//   DISABLED; only a new end date in the future, or none (setExpiresAt), brings it back to CLOSED, and
//   on to WAIT_LS if the link was enabled. While DISABLED, an expiry is noted and applies at enable().
// - Resync: between our DR and the PMS's DE, and inside any DS…DE window, canSendData() is false and
//   not even an alive check goes out: the spec forbids sending while the PMS resyncs ("Database
//   Synchronization"). Both waits are bounded by resyncTimeoutSec (DR → DS, and between two records
//   of the window); a DR the PMS ignores, as newer ones do without notice, ends the same way.

/** Seed 002's link states; the seed shows the current one to the operator and pops up on a change. */
export type FiasLinkState =
  'CLOSED' | 'WAIT_LS' | 'ESTABLISHED' | 'EXPECTION' | 'DISABLED' | 'EXPIRED' | 'WAIT_LE';

/** Where inside its state the link is: for logs, the console and tests. */
export type FiasLinkPhase =
  /** No connection: CLOSED, EXPECTION (the retry timer runs), DISABLED, EXPIRED. */
  | 'idle'
  /** WAIT_LS: connect() asked of the adapter, the TCP connection is not open yet. */
  | 'connecting'
  /** WAIT_LS: connected; listening up to 3 s for the PMS's LS before we start the link ourselves. */
  | 'listening'
  /** WAIT_LS: our LD/LR…/LA went out; waiting for the PMS's LA. */
  | 'init-sent'
  /** WAIT_LS: the PMS sent LE and we answered; the connection is kept until its next record. */
  | 'pms-ended'
  /** ESTABLISHED. */
  | 'alive'
  /** WAIT_LE, or DISABLED/EXPIRED right after our LE: waiting (bounded) for the PMS's LE. */
  | 'ending';

export interface FiasLinkChange {
  readonly from: FiasLinkState;
  readonly to: FiasLinkState;
  /** For the operator: "no LA within 3 s of our LS", "PMS sent LE", "operator disabled the link"… */
  readonly why: string;
  /** Entering EXPECTION: the delay before the next connect. */
  readonly retryInMs?: number;
}

export interface FiasLinkTransition {
  readonly id: string;
  readonly from: string;
  readonly event: string;
  readonly to: string;
  readonly outputs: string;
}

/** Every transition of the machine. Rows with from = to change a phase or a sub-state only. */
export const FIAS_LINK_TRANSITIONS: readonly FiasLinkTransition[] = [
  { id: 'T01', from: 'CLOSED', event: 'enable()', to: 'WAIT_LS', outputs: 'connect' },
  { id: 'T02', from: 'CLOSED', event: 'enable(), contract ended', to: 'EXPIRED', outputs: '-' },
  { id: 'T03', from: 'WAIT_LS', event: 'connected()', to: 'WAIT_LS', outputs: '3 s listen timer' },
  { id: 'T04', from: 'WAIT_LS', event: 'LS from the PMS', to: 'WAIT_LS', outputs: 'LD, LR…, LA' },
  { id: 'T05', from: 'WAIT_LS', event: '3 s without a record', to: 'WAIT_LS', outputs: 'LD, LR…, LA' },
  {
    id: 'T06',
    from: 'WAIT_LS',
    event: 'LA (or a data record) after our LA',
    to: 'ESTABLISHED',
    outputs: 'linkUp',
  },
  {
    id: 'T07',
    from: 'WAIT_LS',
    event: 'TCP not open within connectTimeoutSec',
    to: 'EXPECTION',
    outputs: 'close',
  },
  {
    id: 'T08',
    from: 'WAIT_LS',
    event: 'no LA within initTimeoutSec of our LA',
    to: 'EXPECTION',
    outputs: 'close',
  },
  { id: 'T09', from: 'WAIT_LS', event: 'disconnected()', to: 'EXPECTION', outputs: '-' },
  { id: 'T10', from: 'WAIT_LS', event: 'LE from the PMS', to: 'WAIT_LS', outputs: 'LE' },
  { id: 'T11', from: 'EXPECTION', event: 'backoff delay elapsed', to: 'WAIT_LS', outputs: 'connect' },
  {
    id: 'T12',
    from: 'EXPECTION',
    event: 'backoff delay elapsed, contract ended',
    to: 'EXPIRED',
    outputs: '-',
  },
  { id: 'T13', from: 'ESTABLISHED', event: 'keepaliveSec elapsed', to: 'ESTABLISHED', outputs: 'LS' },
  { id: 'T14', from: 'ESTABLISHED', event: 'LA after our LS', to: 'ESTABLISHED', outputs: 'next LS timer' },
  {
    id: 'T15',
    from: 'ESTABLISHED',
    event: 'no LA within ackTimeoutSec of our LS',
    to: 'EXPECTION',
    outputs: 'close, linkDown',
  },
  { id: 'T16', from: 'ESTABLISHED', event: 'disconnected()', to: 'EXPECTION', outputs: 'linkDown' },
  { id: 'T17', from: 'ESTABLISHED', event: 'LS from the PMS', to: 'ESTABLISHED', outputs: 'LD, LR…, LA' },
  { id: 'T18', from: 'ESTABLISHED', event: 'LE from the PMS', to: 'WAIT_LS', outputs: 'LE, linkDown' },
  {
    id: 'T19',
    from: 'WAIT_LS',
    event: "a non-LS record after the PMS's LE",
    to: 'ESTABLISHED',
    outputs: 'linkUp',
  },
  {
    id: 'T20',
    from: 'WAIT_LS',
    event: "no record within keepaliveSec of the PMS's LE",
    to: 'EXPECTION',
    outputs: 'close',
  },
  { id: 'T21', from: 'ESTABLISHED', event: 'disconnect()', to: 'WAIT_LE', outputs: 'LE, linkDown' },
  { id: 'T22', from: 'WAIT_LE', event: 'LE from the PMS', to: 'CLOSED', outputs: 'close' },
  { id: 'T23', from: 'WAIT_LE', event: 'no LE within leTimeoutSec', to: 'CLOSED', outputs: 'close' },
  { id: 'T24', from: 'WAIT_LE', event: 'disconnected()', to: 'CLOSED', outputs: '-' },
  { id: 'T25', from: 'WAIT_LS, EXPECTION', event: 'disconnect()', to: 'CLOSED', outputs: 'close' },
  {
    id: 'T26',
    from: 'ESTABLISHED',
    event: 'disable()',
    to: 'DISABLED',
    outputs: 'LE, linkDown; close on LE or leTimeoutSec',
  },
  {
    id: 'T27',
    from: 'CLOSED, WAIT_LS, EXPECTION, WAIT_LE',
    event: 'disable()',
    to: 'DISABLED',
    outputs: 'close',
  },
  { id: 'T28', from: 'DISABLED', event: 'enable()', to: 'CLOSED, then WAIT_LS', outputs: 'connect' },
  {
    id: 'T29',
    from: 'DISABLED',
    event: 'enable(), contract ended',
    to: 'CLOSED, then EXPIRED',
    outputs: '-',
  },
  {
    id: 'T30',
    from: 'ESTABLISHED',
    event: 'expire() or end date reached',
    to: 'EXPIRED',
    outputs: 'LE, linkDown; close on LE or leTimeoutSec',
  },
  {
    id: 'T31',
    from: 'CLOSED, WAIT_LS, EXPECTION, WAIT_LE',
    event: 'expire() or end date reached',
    to: 'EXPIRED',
    outputs: 'close',
  },
  {
    id: 'T32',
    from: 'EXPIRED',
    event: 'setExpiresAt(later or none)',
    to: 'CLOSED (then WAIT_LS if enabled)',
    outputs: 'connect',
  },
  { id: 'T33', from: 'ESTABLISHED', event: 'requestResync()', to: 'ESTABLISHED (no sending)', outputs: 'DR' },
  {
    id: 'T34',
    from: 'ESTABLISHED',
    event: 'DS from the PMS',
    to: 'ESTABLISHED (resync window)',
    outputs: 'resyncStart',
  },
  {
    id: 'T35',
    from: 'ESTABLISHED',
    event: 'DE from the PMS',
    to: 'ESTABLISHED (sending)',
    outputs: 'resyncEnd',
  },
  {
    id: 'T36',
    from: 'ESTABLISHED',
    event: 'no DS/record within resyncTimeoutSec',
    to: 'ESTABLISHED (sending)',
    outputs: 'resyncEnd(incomplete)',
  },
];

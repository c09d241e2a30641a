// The two seams between the FIAS link (src/fias/link.ts, driven over TCP by src/fias/adapter.ts) and
// the room core: what is done with a record from the PMS, and where records for the PMS wait. The
// wiring (src/engine.ts) connects them; each side is tested against these interfaces alone.
import type { FiasRecord } from './record.js';
import type { FiasMessage } from './records/index.js';

/** What the engine does with a validated data record from the PMS (GI, GO, GC, RE, WR, WC, DS, DE…). */
export interface FiasInbound {
  /**
   * Applies the record on the room core; resolves once it is applied, or refused and logged (a PMS
   * record the rooms cannot take is not an engine fault). Rejects only when the engine could not
   * decide (database or PBX down); the caller logs that, and the PMS's next resync repairs it.
   */
  handle(msg: FiasMessage): Promise<void>;
}

/** Records for the PMS (WA, RE, …), kept in the store until the link may send, sent in order. */
export interface FiasOutbox {
  /** The oldest record not yet sent, or undefined when there is none. */
  peek(): Promise<{ id: number; record: FiasRecord } | undefined>;
  /** Marks a record sent, once the socket has taken it. */
  sent(id: number): Promise<void>;
  /** Calls `listener` whenever a record is added; returns the function that stops it. */
  onAdded(listener: () => void): () => void;
}

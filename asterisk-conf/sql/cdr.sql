-- The call-record table Asterisk writes into (database asteriskcdrdb): the classic cdr_mysql `cdr`
-- table, which cdr_adaptive_odbc (Asterisk 13+) fills as well (see cdr_adaptive_odbc.conf). Safe to
-- run again: it creates what is missing and changes nothing that exists.
--
--   mariadb asteriskcdrdb < cdr.sql
--
-- One row per call leg, written when the call ends. What the PMS dialplan did is in `userfield`
-- (pms:allowed:class=N:cat=M, pms:refused:class=N:cat=M, pms:dnd; see extensions_pms.conf).
--
-- `id` is not a classic column: it gives rows an order and lets a reader fetch "rows after id N".
-- cdr_adaptive_odbc fills every column named like a CDR variable (peeraccount, linkedid, sequence,
-- or your own CDR(...) variables) and leaves the others (like id) to their default; after adding a
-- column run `module reload cdr_adaptive_odbc.so`.
CREATE TABLE IF NOT EXISTS cdr (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  -- When the call started, in Asterisk's local time (cdr_adaptive_odbc: alias start => calldate).
  calldate DATETIME NOT NULL,
  -- Caller ID as "name" <number>: the guest's name for calls from an occupied room.
  clid VARCHAR(80) NOT NULL DEFAULT '',
  src VARCHAR(80) NOT NULL DEFAULT '',
  -- The number dialled, as dialled (with the outside code).
  dst VARCHAR(80) NOT NULL DEFAULT '',
  dcontext VARCHAR(80) NOT NULL DEFAULT '',
  channel VARCHAR(80) NOT NULL DEFAULT '',
  -- The called channel: PJSIP/8002-..., or the trunk's channel for an outside call.
  dstchannel VARCHAR(80) NOT NULL DEFAULT '',
  lastapp VARCHAR(80) NOT NULL DEFAULT '',
  lastdata VARCHAR(80) NOT NULL DEFAULT '',
  -- Seconds from start to end, and from answer to end (what is billed).
  duration INT NOT NULL DEFAULT 0,
  billsec INT NOT NULL DEFAULT 0,
  -- ANSWERED, NO ANSWER, BUSY, FAILED (CONGESTION with cdr.conf congestion=yes).
  disposition VARCHAR(45) NOT NULL DEFAULT '',
  amaflags INT NOT NULL DEFAULT 0,
  accountcode VARCHAR(20) NOT NULL DEFAULT '',
  uniqueid VARCHAR(150) NOT NULL DEFAULT '',
  userfield VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY calldate (calldate),
  KEY src (src),
  KEY dst (dst),
  KEY calldate_src (calldate, src)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- GetCDR with SrcNum/DstNum reads one number's calls of a period in calldate order straight from
-- these (InnoDB appends id to every index, so (src, calldate) is read in the (calldate, id) order the
-- engine pages in), and counts Total from them without touching a row. Added to a table that lacks
-- them, so an older install gets them by running this file again (MariaDB syntax; on MySQL, or by hand:
-- ALTER TABLE cdr ADD INDEX src_calldate (src, calldate), ADD INDEX dst_calldate (dst, calldate);).
-- On a big table this takes a while (about 5 s per million rows on the lab machine).
ALTER TABLE cdr
  ADD INDEX IF NOT EXISTS src_calldate (src, calldate),
  ADD INDEX IF NOT EXISTS dst_calldate (dst, calldate);

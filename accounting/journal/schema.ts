// The journal's SQLite schema and connection settings.
//
// Durability: WAL with synchronous=FULL. deliver() resolving tells the delivery queue it
// may forget the record, so the commit must survive power loss, not only a process crash.
// With WAL, synchronous=NORMAL fsyncs only at checkpoints: a crash of the machine can
// roll back the last commits, which the queue has already dropped — a lost record.
// FULL fsyncs the WAL at every commit (one fsync per event; bulk loads batch many
// events in one transaction). WAL still lets `pptpd-ts last`/`who` read while the server
// writes.
//
// Indexes, one per question:
// - sessions_user_start (user_name, start_time)   last USER
// - sessions_start      (start_time)              last, last --since/--until
// - sessions_ip_start   (framed_ip, start_time)   whois-ip
// - sessions_open       (start_time) WHERE stop_time IS NULL   who, and open sessions in windows
// Windows are bounded with meta.max_closed_ms (the longest closed session ever seen): a
// closed session active at time T started in [T - max_closed_ms, T], an index range.
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS sessions (
  session_id      TEXT PRIMARY KEY,
  user_name       TEXT NOT NULL,
  peer_name       TEXT NOT NULL,
  nas_identifier  TEXT NOT NULL,
  nas_ip_address  TEXT NOT NULL,
  call_id         INTEGER NOT NULL,
  line            TEXT NOT NULL,
  client_address  TEXT NOT NULL,
  server_address  TEXT NOT NULL,
  framed_ip       TEXT NOT NULL,
  local_ip        TEXT NOT NULL,
  start_time      INTEGER NOT NULL,
  stop_time       INTEGER,
  duration        INTEGER,
  input_octets    INTEGER NOT NULL DEFAULT 0,
  output_octets   INTEGER NOT NULL DEFAULT 0,
  input_packets   INTEGER NOT NULL DEFAULT 0,
  output_packets  INTEGER NOT NULL DEFAULT 0,
  terminate_cause TEXT,
  auth_method     TEXT NOT NULL,
  encryption      TEXT NOT NULL,
  class           TEXT NOT NULL DEFAULT '[]',
  updated_at      INTEGER NOT NULL,
  stop_event_id   TEXT
);
CREATE INDEX IF NOT EXISTS sessions_user_start ON sessions (user_name, start_time);
CREATE INDEX IF NOT EXISTS sessions_start ON sessions (start_time);
CREATE INDEX IF NOT EXISTS sessions_ip_start ON sessions (framed_ip, start_time);
CREATE INDEX IF NOT EXISTS sessions_open ON sessions (start_time) WHERE stop_time IS NULL;
CREATE TABLE IF NOT EXISTS nas_events (
  event_id        TEXT PRIMARY KEY,
  type            TEXT NOT NULL,
  time            INTEGER NOT NULL,
  nas_identifier  TEXT NOT NULL,
  nas_ip_address  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('max_closed_ms', 0);
`;

/** Connection settings for the writer (the server). */
export function configureWriter(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
}

/** Create or check the schema. Throws when the file was written by a newer version. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`journal schema version ${version} is newer than this program's (${SCHEMA_VERSION})`);
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(DDL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

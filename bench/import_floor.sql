-- import_floor.sql - the rows `nudge lead import` writes for a gen_csv.py
-- file, written by the sqlite3 shell itself, set-based (no per-row program
-- at all): the floor of nudge's import on nudge's schema.  Run on a database
-- that `nudge init` created, with the CSV path in place of @CSV@:
--   sed "s#@CSV@#$csv#" import_floor.sql | sqlite3 nudge.db
-- Per lead: the lead, 4 custom fields (industry, employees, deal_size,
-- last_name), an "enrolled" and a "scheduled" event, an email and a call
-- touch; a note where the Notes cell is set.
PRAGMA foreign_keys = OFF;
PRAGMA cache_size = -131072;
CREATE TEMP TABLE c ("Email Address", "First Name", "Last Name",
  "Company Name", "Phone Number", "Time Zone", "Lead Source", Industry,
  Employees, Notes, "Deal Size");
.import --csv --skip 1 @CSV@ c
BEGIN;
INSERT INTO leads (id, email, name, first_name, company, domain, phone, tz,
  source, status, sequence, step, xcount, next_due, created, updated)
  SELECT rowid, lower("Email Address"), "First Name" || ' ' || "Last Name",
  "First Name", "Company Name",
  substr("Email Address", instr("Email Address", '@') + 1), "Phone Number",
  nullif("Time Zone", ''), "Lead Source", 'active', '12345x', 0, 0,
  1795633200, 1795633200, 1795633200 FROM c;
INSERT INTO lead_fields SELECT rowid, 'industry', Industry FROM c;
INSERT INTO lead_fields SELECT rowid, 'employees', Employees FROM c;
INSERT INTO lead_fields SELECT rowid, 'deal_size', "Deal Size" FROM c;
INSERT INTO lead_fields SELECT rowid, 'last_name', "Last Name" FROM c;
INSERT INTO events (lead_id, at, type, detail)
  SELECT rowid, 1795633200, 'enrolled', "Lead Source" FROM c;
INSERT INTO touches (lead_id, stage, channel, due)
  SELECT rowid, '1', 'email', 1795633200 FROM c;
INSERT INTO touches (lead_id, stage, channel, due)
  SELECT rowid, '1', 'call', 1795633200 FROM c;
INSERT INTO events (lead_id, at, type, detail)
  SELECT rowid, 1795633200, 'scheduled',
  'stage 1 due 2026-11-25T10:00:00-07:00' FROM c;
INSERT INTO notes (lead_id, at, kind, text)
  SELECT rowid, 1795633200, 'note', Notes FROM c WHERE Notes <> '';
COMMIT;

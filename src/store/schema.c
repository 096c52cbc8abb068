/*
 * schema.c - the database schema as numbered migrations.
 *
 * Each migration runs once, in order, inside a transaction, and records
 * its number in schema_version.  Times are UTC seconds.  Every case-related
 * table carries the city code, so that a country-wide deployment can be
 * sharded by city without a key that crosses cities.
 *
 * The migrations are written in SQLite's words; db_dialect_ddl gives
 * another backend's, and db_dialect_schema_extra adds what a version needs
 * that the dialects do not share (the text search of cases).
 */
#include <stddef.h>
#include <stdlib.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "store/db.h"
#include "store/store.h"

static int migrate_one(struct db *db, size_t i);

/* The counts of a statistics rollup, as struct metric_counts has them
 * (overdue apart: it changes with the clock, not with the cases). */
#define STATS_COUNT_COLUMNS                                                    \
    " reported INTEGER NOT NULL, withdrawn INTEGER NOT NULL,"                  \
    " merged INTEGER NOT NULL, rejected INTEGER NOT NULL,"                     \
    " closed INTEGER NOT NULL, closed_on_time INTEGER NOT NULL,"               \
    " open INTEGER NOT NULL, handled INTEGER NOT NULL,"                        \
    " reworked INTEGER NOT NULL, rated INTEGER NOT NULL,"                      \
    " satisfied INTEGER NOT NULL, basically_satisfied INTEGER NOT NULL,"       \
    " unsatisfied INTEGER NOT NULL, close_seconds INTEGER NOT NULL"

static const char *const migrations[] = {
    /* 1: areas, units, categories, people, cases and their history. */
    "CREATE TABLE areas ("
    " code TEXT PRIMARY KEY,"
    " parent TEXT REFERENCES areas(code),"
    " level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),"
    " name TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " grade TEXT CHECK (grade IN ('A','B','C')),"
    " geometry TEXT,"
    " min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL"
    ") STRICT;"
    "CREATE INDEX areas_parent ON areas(parent);"
    "CREATE TABLE units ("
    " id INTEGER PRIMARY KEY,"
    " code TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('territorial','department')),"
    " area_code TEXT REFERENCES areas(code)"
    ") STRICT;"
    "CREATE TABLE categories ("
    " code TEXT PRIMARY KEY,"
    " parent TEXT REFERENCES categories(code),"
    " name TEXT NOT NULL,"
    " name_en TEXT,"
    " unit_code TEXT,"
    " level TEXT NOT NULL DEFAULT 'general',"
    " limit_unit TEXT CHECK (limit_unit IN ('h','d')),"
    " limit_a INTEGER, limit_b INTEGER, limit_c INTEGER,"
    " file_condition TEXT, close_condition TEXT"
    ") STRICT;"
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " username TEXT NOT NULL UNIQUE,"
    " password_hash TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " area_code TEXT REFERENCES areas(code),"
    " unit_id INTEGER REFERENCES units(id),"
    " display_name TEXT,"
    " phone TEXT,"
    " created_at INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE sessions ("
    " token_hash TEXT PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " csrf TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE cases ("
    " id INTEGER PRIMARY KEY,"
    " city_code TEXT NOT NULL,"
    " ref TEXT UNIQUE,"
    " kind TEXT NOT NULL DEFAULT 'complaint',"
    " title TEXT,"
    " description TEXT NOT NULL,"
    " category_code TEXT NOT NULL REFERENCES categories(code),"
    " area_code TEXT NOT NULL REFERENCES areas(code),"
    " area_path TEXT NOT NULL,"
    " lon REAL, lat REAL,"
    " address TEXT,"
    " level TEXT NOT NULL DEFAULT 'general',"
    " channel TEXT NOT NULL DEFAULT 'web',"
    " state TEXT NOT NULL,"
    " unit_id INTEGER REFERENCES units(id),"
    " route_reason TEXT,"
    " reporter_id INTEGER REFERENCES users(id),"
    " reporter_name TEXT,"
    " reporter_phone TEXT,"
    " reported_at INTEGER NOT NULL,"
    " due_at INTEGER,"
    " closed_at INTEGER,"
    " rating TEXT,"
    " escalated INTEGER NOT NULL DEFAULT 0,"
    " handled INTEGER NOT NULL DEFAULT 0,"
    " reworked INTEGER NOT NULL DEFAULT 0,"
    " parent_id INTEGER REFERENCES cases(id),"
    " version INTEGER NOT NULL DEFAULT 1,"
    " updated_at INTEGER NOT NULL"
    ") STRICT;"
    /* Kept: count_query (cases.c) names it for a city-wide queue. */
    "CREATE INDEX cases_state ON cases(state, due_at);"
    "CREATE INDEX cases_area ON cases(area_path);"
    "CREATE INDEX cases_reporter ON cases(reporter_id);"
    "CREATE INDEX cases_unit ON cases(unit_id, state);"
    "CREATE INDEX cases_reported ON cases(reported_at);"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " city_code TEXT NOT NULL,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " seq INTEGER NOT NULL,"
    " at INTEGER NOT NULL,"
    " actor_id INTEGER REFERENCES users(id),"
    " actor_role TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " from_state TEXT,"
    " to_state TEXT NOT NULL,"
    " note TEXT,"
    " unit_id INTEGER REFERENCES units(id),"
    " rating TEXT,"
    " due_at INTEGER,"
    " days INTEGER,"
    " UNIQUE (case_id, seq)"
    ") STRICT;"
    "CREATE INDEX events_at ON events(at);"
    "CREATE TABLE photos ("
    " hash TEXT PRIMARY KEY,"
    " width INTEGER NOT NULL, height INTEGER NOT NULL,"
    " bytes INTEGER NOT NULL,"
    " source_type TEXT NOT NULL,"
    " uploader_id INTEGER REFERENCES users(id),"
    " created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE event_photos ("
    " event_id INTEGER NOT NULL REFERENCES events(id),"
    " hash TEXT NOT NULL REFERENCES photos(hash),"
    " PRIMARY KEY (event_id, hash)"
    ") STRICT;"
    "CREATE TABLE idempotency ("
    " user_id INTEGER NOT NULL,"
    " key TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL,"
    " case_id INTEGER NOT NULL,"
    " status INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (user_id, key)"
    ") STRICT;"
    "CREATE TABLE pii_access ("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " user_id INTEGER NOT NULL,"
    " case_id INTEGER NOT NULL,"
    " fields TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) STRICT;",
    /* 2: who handles what where, and why a case is as urgent as it is.
     * A rule names a small class, a big class or any (NULL); an area
     * subtree or anywhere; a grid grade or any.  Two rules with the same
     * three would tie, so they are one key: the expression index treats
     * NULL as a value, which a plain UNIQUE constraint does not. */
    "CREATE TABLE routing_rules ("
    " id INTEGER PRIMARY KEY,"
    " category TEXT REFERENCES categories(code),"
    " area_code TEXT REFERENCES areas(code),"
    " grade TEXT CHECK (grade IN ('A','B','C')),"
    " unit_id INTEGER NOT NULL REFERENCES units(id),"
    " note TEXT,"
    " created_by INTEGER REFERENCES users(id),"
    " created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE UNIQUE INDEX routing_rules_key ON routing_rules("
    " COALESCE(category, ''), COALESCE(area_code, ''),"
    " COALESCE(grade, ''));"
    "ALTER TABLE cases ADD COLUMN level_reason TEXT;",
    /* 3: residents who join an open case instead of filing another
     * ("me too"), counted once each; and the lookup of the open cases of
     * a category around a point.  The radius around a new report is a
     * setting, per small class, big class or for all ("dedupe.radius.
     * 06010", "dedupe.radius.06", "dedupe.radius"; metres). */
    "CREATE TABLE supporters ("
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " user_id INTEGER NOT NULL REFERENCES users(id),"
    " city_code TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (case_id, user_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX supporters_user ON supporters(user_id);"
    "CREATE INDEX cases_category_state ON cases(category_code, state, lat);",
    /* 4: the category classifier.  A model is learnt from the closed
     * cases (`civicgrid train --db`) and kept here, so that every server
     * process reads the same one; the newest row is the one in use.  A
     * case reported without a category keeps the three suggestions it was
     * filed by (JSON [{code, name, p}]) and why it got its category. */
    "CREATE TABLE models ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " bytes BLOB NOT NULL,"
    " n_examples INTEGER NOT NULL,"
    " n_classes INTEGER NOT NULL,"
    " cv_top1 REAL, cv_top3 REAL"
    ") STRICT;"
    "ALTER TABLE cases ADD COLUMN suggestions TEXT;"
    "ALTER TABLE cases ADD COLUMN category_reason TEXT;",
    /* 5: programs that report through Open311 GeoReport v2, each known
     * by a key kept only as its digest (like session tokens); and what
     * such a report carried that a case has no column for: the client's
     * own account and device, the e-mail address, a media URL that was
     * not fetched, and the answers to the service's attributes (JSON
     * {code: value or [values]}). */
    "CREATE TABLE api_clients ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " key_hash TEXT NOT NULL UNIQUE,"
    " created_at INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE open311_requests ("
    " case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
    " client_id INTEGER NOT NULL REFERENCES api_clients(id),"
    " account_id TEXT, device_id TEXT, email TEXT, media_url TEXT,"
    " attributes TEXT"
    ") STRICT;"
    "CREATE INDEX cases_updated ON cases(updated_at);",
    /* 6: the updates Open311 clients post to a request, known by the
     * client's own update_id so that one sent twice is recognised. */
    "CREATE TABLE open311_updates ("
    " client_id INTEGER NOT NULL REFERENCES api_clients(id),"
    " update_id TEXT NOT NULL,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " created_at INTEGER NOT NULL,"
    " PRIMARY KEY (client_id, update_id)"
    ") STRICT;",
    /* 7: failed sign-ins per account, in the database so that every
     * server process of a deployment counts the same failures.  The key
     * is a hash of the username, so the table names no one. */
    "CREATE TABLE signin_failures ("
    " key TEXT PRIMARY KEY,"
    " since INTEGER NOT NULL,"
    " failures INTEGER NOT NULL"
    ") STRICT;",
    /* 8: the city's code on every table that belongs to a case, so that a
     * country's deployment can distribute them all by city and keep every
     * case's rows together (docs/scaling.md). */
    "ALTER TABLE event_photos ADD COLUMN city_code TEXT;"
    "ALTER TABLE idempotency ADD COLUMN city_code TEXT;"
    "ALTER TABLE pii_access ADD COLUMN city_code TEXT;"
    "ALTER TABLE open311_requests ADD COLUMN city_code TEXT;"
    "ALTER TABLE open311_updates ADD COLUMN city_code TEXT;"
    "UPDATE event_photos SET city_code = (SELECT city_code FROM events"
    " WHERE events.id = event_photos.event_id);"
    "UPDATE idempotency SET city_code = (SELECT city_code FROM cases"
    " WHERE cases.id = idempotency.case_id);"
    "UPDATE pii_access SET city_code = (SELECT city_code FROM cases"
    " WHERE cases.id = pii_access.case_id);"
    "UPDATE open311_requests SET city_code = (SELECT city_code FROM cases"
    " WHERE cases.id = open311_requests.case_id);"
    "UPDATE open311_updates SET city_code = (SELECT city_code FROM cases"
    " WHERE cases.id = open311_updates.case_id);",
    /* 9: the current figures kept as they change, so that the statistics
     * of now need not replay every case's history (docs/architecture.md,
     * "Statistics").  A case carries what its events say of it (stat_*:
     * the state of its last event, the deadline of the last event that
     * set one, the last move into closed, the rating of the last rate or
     * reopen, whether it was ever fed back or sent back), and its counts
     * are added up per area, category, unit and day of report, and per
     * street, big class, unit and month.  The dialects fill them and keep them
     * right with triggers (db_dialect_schema_extra). */
    "ALTER TABLE cases ADD COLUMN stat_state TEXT;"
    "ALTER TABLE cases ADD COLUMN stat_due_at INTEGER;"
    "ALTER TABLE cases ADD COLUMN stat_closed_at INTEGER;"
    "ALTER TABLE cases ADD COLUMN stat_rating TEXT;"
    "ALTER TABLE cases ADD COLUMN stat_handled INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cases ADD COLUMN stat_reworked INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE stats_day ("
    " area_path TEXT NOT NULL, category_code TEXT NOT NULL,"
    " unit_id INTEGER NOT NULL, day INTEGER NOT NULL," STATS_COUNT_COLUMNS ","
    " PRIMARY KEY (area_path, category_code, unit_id, day)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE stats_month ("
    " street_path TEXT NOT NULL, big_class TEXT NOT NULL,"
    " unit_id INTEGER NOT NULL, month INTEGER NOT NULL," STATS_COUNT_COLUMNS
    ", PRIMARY KEY (street_path, big_class, unit_id, month)"
    ") STRICT, WITHOUT ROWID;",
    /* 10: lists that read one page of an index instead of sorting every
     * case that matches (store_case_list): a state's queue by deadline
     * (cases without one last, then by number), every case by deadline,
     * and newest first with or without a state.  Each ends with the
     * columns the filters and the count read (state, area path), so that
     * neither needs the case rows.  db_dialect_schema_extra adds the
     * index of one- and two-character searches. */
    "CREATE INDEX cases_queue ON cases(state, (due_at IS NULL), due_at, id,"
    " area_path);"
    "CREATE INDEX cases_due ON cases((due_at IS NULL), due_at, id, state,"
    " area_path);"
    "CREATE INDEX cases_state_new ON cases(state, reported_at, id,"
    " area_path);"
    "CREATE INDEX cases_new ON cases(reported_at, id, state, area_path);"
    "DROP INDEX cases_area;"
    "CREATE INDEX cases_area_state ON cases(area_path, state);",
    /* 11: one index fewer for every report to write: cases_new (version
     * 10) begins with the report time and answers what cases_reported
     * did.  db_dialect_schema_extra lets SQLite add new cases to its text
     * indexes in batches. */
    "DROP INDEX cases_reported;",
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

/* Runs migration i (from 0) and records it, inside one transaction. */
static int
migrate_one(struct db *db, size_t i)
{
    const char *extra = db_dialect_schema_extra(db, (int)i + 1);
    char *ddl = db_dialect_ddl(db, migrations[i]);
    struct db_stmt *st;
    int rc;

    if ((rc = db_begin(db)) != CG_OK)
        goto out;
    rc = db_exec(db, ddl);
    if (rc == CG_OK && extra)
        rc = db_exec(db, extra);
    if (rc == CG_OK)
        rc = db_prepare(db, "INSERT INTO schema_version VALUES (?, ?)", &st);
    if (rc == CG_OK) {
        db_bind_int(st, 1, (int64_t)i + 1);
        db_bind_int(st, 2, cgtime_now());
        rc = db_step(st) == DB_DONE ? CG_OK : CG_EDB;
        db_finalize(st);
    }
    if (rc != CG_OK) {
        db_rollback(db);
        log_error("msg=\"migration failed\" version=%zu", i + 1);
        goto out;
    }
    rc = db_commit(db);
out:
    free(ddl);
    return rc;
}

/* Brings the schema up to date; safe to run at every start. */
int
store_migrate(struct db *db)
{
    char *ddl = db_dialect_ddl(db, "CREATE TABLE IF NOT EXISTS schema_version"
                                   " (version INTEGER PRIMARY KEY,"
                                   " applied_at INTEGER)");
    int64_t have = 0;
    size_t i;
    int rc;

    rc = db_exec(db, ddl);
    free(ddl);
    if (rc != CG_OK)
        return rc;
    rc = db_scalar_int(db, 0, &have,
                       "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                       NULL);
    if (rc != CG_OK)
        return rc;
    for (i = (size_t)have; i < NMIGRATIONS; i++) {
        if ((rc = migrate_one(db, i)) != CG_OK)
            return rc;
        log_info("msg=\"schema migrated\" version=%zu", i + 1);
    }
    return CG_OK;
}

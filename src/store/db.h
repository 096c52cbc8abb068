/*
 * db.h - the small SQL interface every store function is written against.
 *
 * Statements use '?' placeholders and the SQL that SQLite and PostgreSQL
 * share; where the dialects differ a named function in the backend answers
 * (db_dialect_*), never a second copy of a query.  A connection belongs to
 * one thread; store.c hands each thread its own.
 *
 * Two backends: a URL starting postgres:// or postgresql:// opens
 * PostgreSQL (db_pg.c), anything else is the path of a SQLite file
 * (db_sqlite.c).
 */
#ifndef CG_DB_H
#define CG_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct db;
struct db_stmt;

enum { DB_DONE = 0, DB_ROW = 1 };

/* Opens the database at url (a postgres:// URL, else a SQLite file path).
 * CG_EDB on failure, with the reason logged. */
int db_open(const char *url, struct db **out);
void db_close(struct db *db);
/* Database connections this process holds open now. */
long db_connections(void);
const char *db_errmsg(struct db *db);

/* Runs one or more statements without parameters. */
int db_exec(struct db *db, const char *sql);

int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
/* Parameters are numbered from 1. */
int db_bind_text(struct db_stmt *st, int i,
                 const char *v); /* NULL binds NULL */
int db_bind_int(struct db_stmt *st, int i, int64_t v);
int db_bind_double(struct db_stmt *st, int i, double v);
int db_bind_null(struct db_stmt *st, int i);
int db_bind_blob(struct db_stmt *st, int i, const void *v, size_t len);
/* DB_ROW, DB_DONE, CG_ECONFLICT (unique or check constraint), CG_EDB. */
int db_step(struct db_stmt *st);
int db_reset(struct db_stmt *st);
/* Columns are numbered from 0.  Text is valid until the next step. */
const char *db_col_text(struct db_stmt *st, int i); /* NULL for NULL */
int64_t db_col_int(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
bool db_col_null(struct db_stmt *st, int i);
/* A blob column and its length in bytes; valid until the next step. */
const void *db_col_blob(struct db_stmt *st, int i, size_t *len);
void db_finalize(struct db_stmt *st);
/* The columns of a statement's rows (after a step answered DB_ROW): how
 * many, their names, and the kind of value each holds by its declared type:
 * 'i' integer, 'r' real, 't' text, 'b' bytes. */
int db_col_count(struct db_stmt *st);
const char *db_col_name(struct db_stmt *st, int i);
char db_col_kind(struct db_stmt *st, int i);

/* Write transactions take the write lock at once, so that a transaction
 * that reads a case's state and then changes it can never be overtaken.
 * CG_EDB when the lock cannot be had within ten seconds. */
int db_begin(struct db *db);
int db_commit(struct db *db);
/* Commits without waiting for the transaction to reach the disk: it
 * survives the process being killed, and a power cut once any later
 * commit has returned.  Only for records nobody was told are kept (the
 * log of who read personal data), never for an acknowledged write. */
int db_commit_nowait(struct db *db);
/* Commits and returns at once with a ticket for the commit; the caller
 * must not acknowledge the write before db_wait_synced(ticket) returned
 * CG_OK.  Lets the committing thread start the next transaction while
 * others wait for the disk. */
int db_commit_later(struct db *db, uint64_t *ticket);
/* Waits until the commit of `ticket` is on disk (syncing it if no other
 * thread is); any connection to the same database may wait. */
int db_wait_synced(struct db *db, uint64_t ticket);
/* Waits until every commit this process has written is on disk: before
 * an answer that rests on another request's write (an idempotent
 * replay), which may not be synced yet. */
int db_wait_all_synced(struct db *db);
/* While on, a statement outside a transaction fails (CG_EDB) instead of
 * committing on its own: for a connection doing several callers' writes
 * in one transaction, which SQLite may abandon midway (a full disk), so
 * that the statements a caller runs after that store nothing. */
void db_tx_only(struct db *db, bool on);
void db_rollback(struct db *db);
/* Whether a transaction is open on this connection. */
bool db_in_tx(struct db *db);
int64_t db_last_id(struct db *db);
int db_changes(struct db *db);

/* Runs sql with text parameters (NULL-terminated list) and returns the
 * first column of the first row as an integer, or dflt if no row. */
int db_scalar_int(struct db *db, int64_t dflt, int64_t *out, const char *sql,
                  ...);

/*
 * Where the dialects differ.
 */

/* Whether url names a PostgreSQL database rather than a SQLite file. */
bool db_url_is_pg(const char *url);
/* The schema's DDL, written with SQLite's words (INTEGER PRIMARY KEY,
 * INTEGER, REAL, BLOB, STRICT, WITHOUT ROWID), in this backend's words.
 * The caller frees the result. */
char *db_dialect_ddl(struct db *db, const char *sql);
/* What schema version `version` needs beyond its shared DDL (the text
 * search of cases, say), or NULL. */
const char *db_dialect_schema_extra(struct db *db, int version);
/* Whether writes gain from being grouped into shared transactions by one
 * writer of this process (store_group_writes): true for a SQLite file,
 * whose commits this process syncs; false for PostgreSQL, whose server
 * groups commits itself, and for a database in memory, which a second
 * connection would not see. */
bool db_dialect_groups_writes(struct db *db);
/* The name of the function (haystack, needle) that answers the 1-based
 * position of needle in haystack, 0 when absent: instr or strpos. */
const char *db_dialect_strpos(struct db *db);
/* Appends to sql, after a table in a FROM clause, that the table is to be
 * read through its index `index`: for SQLite, which keeps no figures on
 * its indexes (no ANALYZE) and, among indexes that serve a query alike,
 * may take a wide one where a narrow one reads a fifth of the pages.
 * Nothing for PostgreSQL, whose planner weighs each index's size. */
int db_dialect_use_index(struct db *db, struct buf *sql, const char *index);
/* Appends to sql a subquery named `alias`, for a FROM clause, with one
 * column id: the cases whose title or description holds q.  Ordered by
 * alias.id it walks the search index in that order, so that the first
 * page of a common word does not read every case that holds it.
 * db_dialect_case_search_bind binds its parameters from position i and
 * returns the next free position. */
int db_dialect_case_search(struct db *db, struct buf *sql, const char *alias,
                           const char *q);
int db_dialect_case_search_bind(struct db_stmt *st, int i, const char *q);
/* The cases not yet in the text indexes: SQLite adds new cases to them
 * in batches (schema version 11), and *n says how many may wait, 0 when
 * none does.  Always 0 for PostgreSQL, whose indexes follow every row. */
int db_dialect_search_backlog(struct db *db, int64_t *n);
/* Adds up to max of the waiting cases to the text indexes, oldest first,
 * inside the caller's write transaction. */
int db_dialect_search_catch_up(struct db *db, int64_t max);
/* Records that the text indexes hold every case, once they were built
 * whole from the cases (FTS5's 'rebuild'), in the same transaction. */
int db_dialect_search_rebuilt(struct db *db);

/*
 * Notifications between server processes.  On PostgreSQL a change
 * announced with db_notify reaches every process listening on the channel
 * (LISTEN/NOTIFY), delivered when the announcing transaction commits, at
 * once outside one.  SQLite has one writing process and nothing to carry
 * them: db_has_notify is false and the process tells itself directly.
 */
typedef void (*db_notify_fn)(const char *payload, void *ctx);
bool db_has_notify(struct db *db);
int db_notify(struct db *db, const char *channel, const char *payload);
/*
 * Listens on channel through a connection of its own to url, calling cb
 * for each notification, until *stop becomes non-zero (looked at least
 * once a second); a broken connection is opened again.  Blocks: run it on
 * a thread of its own.  CG_EUNSUPPORTED for a SQLite path.
 */
int db_listen(const char *url, const char *channel, db_notify_fn cb, void *ctx,
              const volatile int *stop);

#endif

/*
 * db_backend.h - what a database backend provides behind db.h.
 *
 * Each backend's connection and statement start with struct db and
 * struct db_stmt, whose ops the functions of db.h call.  Only db.c and
 * the backends include this file.
 */
#ifndef CG_DB_BACKEND_H
#define CG_DB_BACKEND_H

#include "store/db.h"

struct db_ops {
    void (*close)(struct db *db);
    const char *(*errmsg)(struct db *db);
    int (*exec)(struct db *db, const char *sql);
    int (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
    int (*bind_text)(struct db_stmt *st, int i, const char *v);
    int (*bind_int)(struct db_stmt *st, int i, int64_t v);
    int (*bind_double)(struct db_stmt *st, int i, double v);
    int (*bind_null)(struct db_stmt *st, int i);
    int (*bind_blob)(struct db_stmt *st, int i, const void *v, size_t len);
    int (*step)(struct db_stmt *st);
    int (*reset)(struct db_stmt *st);
    const char *(*col_text)(struct db_stmt *st, int i);
    int64_t (*col_int)(struct db_stmt *st, int i);
    double (*col_double)(struct db_stmt *st, int i);
    bool (*col_null)(struct db_stmt *st, int i);
    const void *(*col_blob)(struct db_stmt *st, int i, size_t *len);
    int (*col_count)(struct db_stmt *st);
    const char *(*col_name)(struct db_stmt *st, int i);
    char (*col_kind)(struct db_stmt *st, int i);
    void (*finalize)(struct db_stmt *st);
    int (*begin)(struct db *db);
    int (*commit)(struct db *db);
    /* NULL: a commit that waits for the disk serves (db_commit_nowait). */
    int (*commit_nowait)(struct db *db);
    /* NULL: a commit that waits for the disk serves, with ticket 0
     * (db_commit_later, db_wait_synced). */
    int (*commit_later)(struct db *db, uint64_t *ticket);
    int (*wait_synced)(struct db *db, uint64_t ticket);
    int (*wait_all_synced)(struct db *db);
    /* NULL: not needed (db_tx_only). */
    void (*tx_only)(struct db *db, bool on);
    /* NULL: no (db_dialect_groups_writes). */
    bool (*groups_writes)(struct db *db);
    void (*rollback)(struct db *db);
    bool (*in_tx)(struct db *db);
    int64_t (*last_id)(struct db *db);
    int (*changes)(struct db *db);
    /* The dialect: see the db_dialect_* functions in db.h. */
    char *(*ddl)(const char *sql);
    const char *(*schema_extra)(int version);
    const char *strpos;
    bool indexed_by; /* takes INDEXED BY (db_dialect_use_index) */
    int (*search)(struct buf *sql, const char *alias, const char *q);
    int (*search_bind)(struct db_stmt *st, int i, const char *q);
    /* NULL: the text indexes follow every row (db_dialect_search_*). */
    int (*search_backlog)(struct db *db, int64_t *n);
    int (*search_catch_up)(struct db *db, int64_t max);
    int (*search_rebuilt)(struct db *db);
    /* Whether the database carries notifications between processes. */
    bool notify;
};

struct db {
    const struct db_ops *ops;
};

struct db_stmt {
    struct db *db;
};

int db_sqlite_open(const char *path, struct db **out);
int db_pg_open(const char *url, struct db **out);
int db_pg_listen(const char *url, const char *channel, db_notify_fn cb,
                 void *ctx, const volatile int *stop);

#endif

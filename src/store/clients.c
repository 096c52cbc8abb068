/*
 * clients.c - the programs that speak Open311 GeoReport v2 to the
 * platform: their keys, what their reports carried beside the case, and
 * the queries the GeoReport endpoints ask.
 */
#include <string.h>

#include "base/buf.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "store/store.h"

static int query_sql(struct buf *sql, const struct open311_query *q);

int
store_client_add(struct db *db, const char *name, const char *key_hash,
                 int64_t now, int64_t *id)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO api_clients (name, key_hash, created_at)"
                    " VALUES (?, ?, ?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, key_hash);
    db_bind_int(st, 3, now);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    *id = db_last_id(db);
    return CG_OK;
}

int
store_client_by_key(struct db *db, const char *key_hash, struct api_client *out)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT id, name, created_at FROM api_clients"
                    " WHERE key_hash = ? AND disabled = 0",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, key_hash);
    rc = db_step(st);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = db_col_int(st, 0);
        str_copy(out->name, sizeof(out->name), db_col_text(st, 1));
        out->created_at = db_col_int(st, 2);
    }
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

int
store_open311_put(struct db *db, int64_t case_id, int64_t client_id,
                  const struct open311_extra *x)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO open311_requests (case_id, client_id,"
                    " account_id, device_id, email, media_url, attributes,"
                    " city_code) VALUES (?, ?, ?, ?, ?, ?, ?,"
                    " (SELECT city_code FROM cases WHERE id = ?))",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, case_id);
    db_bind_int(st, 2, client_id);
    db_bind_text(st, 3, x->account_id);
    db_bind_text(st, 4, x->device_id);
    db_bind_text(st, 5, x->email);
    db_bind_text(st, 6, x->media_url);
    db_bind_text(st, 7, x->attributes);
    db_bind_int(st, 8, case_id);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

int
store_open311_media_url(struct db *db, int64_t case_id, char *out,
                        size_t outlen)
{
    struct db_stmt *st;
    int rc;

    out[0] = '\0';
    rc = db_prepare(db,
                    "SELECT media_url FROM open311_requests"
                    " WHERE case_id = ? AND media_url IS NOT NULL",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, case_id);
    rc = db_step(st);
    if (rc == DB_ROW)
        str_copy(out, outlen, db_col_text(st, 0));
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

/* The query of store_open311_query; parameters bound in the same order. */
static int
query_sql(struct buf *sql, const struct open311_query *q)
{
    size_t i;
    int rc = buf_puts(sql, "SELECT c.id FROM cases c WHERE c.state NOT IN"
                           " ('none','withdrawn','merged')"
                           " AND c.reported_at BETWEEN ? AND ?");

    if (q->updated_after)
        rc |= buf_puts(sql, " AND c.updated_at > ?");
    if (q->updated_before)
        rc |= buf_puts(sql, " AND c.updated_at < ?");
    if (q->status == 0)
        rc |= buf_puts(sql, " AND c.state NOT IN ('closed','rejected')");
    else if (q->status == 1)
        rc |= buf_puts(sql, " AND c.state IN ('closed','rejected')");
    if (q->ncodes) {
        rc |= buf_puts(sql, " AND c.category_code IN (?");
        for (i = 1; i < q->ncodes; i++)
            rc |= buf_puts(sql, ",?");
        rc |= buf_puts(sql, ")");
    }
    rc |= buf_puts(sql, " ORDER BY c.reported_at DESC, c.id DESC"
                        " LIMIT ? OFFSET ?");
    return rc ? CG_ETOOBIG : CG_OK;
}

int
store_open311_query(struct db *db, const struct open311_query *q, int64_t *ids,
                    size_t max, size_t *n)
{
    struct db_stmt *st;
    struct buf sql;
    size_t i;
    int rc, k = 1;

    *n = 0;
    if (q->ncodes > OPEN311_MAX_CODES)
        return CG_ETOOBIG;
    buf_init(&sql, 4096);
    rc = query_sql(&sql, q);
    if (rc == CG_OK)
        rc = db_prepare(db, sql.data, &st);
    buf_free(&sql);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, k++, q->from);
    db_bind_int(st, k++, q->to);
    if (q->updated_after)
        db_bind_int(st, k++, q->updated_after);
    if (q->updated_before)
        db_bind_int(st, k++, q->updated_before);
    for (i = 0; i < q->ncodes; i++)
        db_bind_text(st, k++, q->codes[i]);
    db_bind_int(st, k++, q->limit < (int)max ? q->limit : (int64_t)max);
    db_bind_int(st, k++, q->offset);
    while ((rc = db_step(st)) == DB_ROW && *n < max)
        ids[(*n)++] = db_col_int(st, 0);
    db_finalize(st);
    return rc == DB_ROW || rc == DB_DONE ? CG_OK : rc;
}

json_t *
store_open311_updates(struct db *db, int64_t from, int64_t to, size_t max)
{
    json_t *arr = json_array();
    struct db_stmt *st;

    if (db_prepare(db,
                   "SELECT e.id, e.case_id, e.to_state, e.action, e.note,"
                   " e.at, (SELECT p.hash FROM event_photos p"
                   "  WHERE p.event_id = e.id ORDER BY p.hash LIMIT 1)"
                   " FROM events e JOIN cases c ON c.id = e.case_id"
                   " WHERE e.at BETWEEN ? AND ? AND c.state NOT IN"
                   " ('none','withdrawn','merged')"
                   " ORDER BY e.at, e.id LIMIT ?",
                   &st) != CG_OK)
        return arr;
    db_bind_int(st, 1, from);
    db_bind_int(st, 2, to);
    db_bind_int(st, 3, (int64_t)max);
    while (db_step(st) == DB_ROW)
        json_array_append_new(
            arr,
            json_pack("{s:I, s:I, s:s, s:s, s:s?, s:I, s:s?}", "update_id",
                      (json_int_t)db_col_int(st, 0), "case_id",
                      (json_int_t)db_col_int(st, 1), "state",
                      db_col_text(st, 2), "action", db_col_text(st, 3), "note",
                      db_col_text(st, 4), "at", (json_int_t)db_col_int(st, 5),
                      "photo", db_col_text(st, 6)));
    db_finalize(st);
    return arr;
}

int
store_open311_update_put(struct db *db, int64_t client_id,
                         const char *update_id, int64_t case_id)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO open311_updates (client_id, update_id,"
                    " case_id, created_at, city_code) VALUES (?, ?, ?, ?,"
                    " (SELECT city_code FROM cases WHERE id = ?))",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, client_id);
    db_bind_text(st, 2, update_id);
    db_bind_int(st, 3, case_id);
    db_bind_int(st, 4, cgtime_now());
    db_bind_int(st, 5, case_id);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

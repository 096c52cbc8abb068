/*
 * nearby.c - the open cases around a point, the residents who joined a
 * case ("me too"), and the merged cases that follow a parent.
 */
#include <math.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "store/store.h"

#define METRES_PER_DEG_LAT 111320.0

static int setting_radius(struct db *db, const char *key, double *out);
static void cut_utf8(char *s, size_t len);
static int64_t int_query(struct db *db, const char *sql, int64_t a, int64_t b,
                         int64_t dflt);

/* Ends s before len bytes without splitting a character. */
static void
cut_utf8(char *s, size_t len)
{
    size_t n = strlen(s);

    if (n < len)
        return;
    n = len - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    s[n] = '\0';
}

int
store_nearby_open(struct db *db, const char *category, double lon, double lat,
                  double radius_m, struct nearby_case *out, size_t max,
                  size_t *n)
{
    double dlat = radius_m / METRES_PER_DEG_LAT;
    double coslat = cos(lat * 3.14159265358979323846 / 180.0);
    double dlon = coslat > 0.01 ? dlat / coslat : 180;
    struct db_stmt *st;
    int rc;

    *n = 0;
    /* The box is searched through the (category, state, lat) index; the
     * exact distance is the caller's to judge. */
    rc = db_prepare(
        db,
        "SELECT id, lon, lat, reported_at,"
        " COALESCE(title || ' ', '') || description FROM cases"
        " WHERE category_code = ?1 AND state IN ('submitted', 'filed',"
        " 'dispatched', 'handling', 'extension_pending', 'handled',"
        " 'suspended')"
        " AND lat BETWEEN ?2 AND ?3 AND lon BETWEEN ?4 AND ?5"
        " ORDER BY (lat - ?6) * (lat - ?6) + (lon - ?7) * (lon - ?7) * ?8"
        " LIMIT ?9",
        &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, category);
    db_bind_double(st, 2, lat - dlat);
    db_bind_double(st, 3, lat + dlat);
    db_bind_double(st, 4, lon - dlon);
    db_bind_double(st, 5, lon + dlon);
    db_bind_double(st, 6, lat);
    db_bind_double(st, 7, lon);
    db_bind_double(st, 8, coslat * coslat);
    db_bind_int(st, 9, (int64_t)max);
    while (*n < max && (rc = db_step(st)) == DB_ROW) {
        struct nearby_case *c = &out[*n];
        c->id = db_col_int(st, 0);
        c->lon = db_col_double(st, 1);
        c->lat = db_col_double(st, 2);
        c->reported_at = db_col_int(st, 3);
        str_copy(c->text, sizeof(c->text), db_col_text(st, 4));
        cut_utf8(c->text, sizeof(c->text));
        (*n)++;
    }
    db_finalize(st);
    return rc < 0 ? rc : CG_OK;
}

/* CG_OK with *out when the setting is there and makes sense. */
static int
setting_radius(struct db *db, const char *key, double *out)
{
    char text[32];
    double v;

    if (store_setting_get(db, key, text, sizeof(text)) != CG_OK ||
        str_to_double(text, &v) != CG_OK || v < 10 || v > 5000)
        return CG_ENOTFOUND;
    *out = v;
    return CG_OK;
}

double
store_dedupe_radius(struct db *db, const char *small, const char *big,
                    double dflt)
{
    char key[64];
    double v;

    if (small &&
        str_fmt(key, sizeof(key), "dedupe.radius.%s", small) == CG_OK &&
        setting_radius(db, key, &v) == CG_OK)
        return v;
    if (big && big[0] &&
        str_fmt(key, sizeof(key), "dedupe.radius.%s", big) == CG_OK &&
        setting_radius(db, key, &v) == CG_OK)
        return v;
    if (setting_radius(db, "dedupe.radius", &v) == CG_OK)
        return v;
    return dflt;
}

int
store_support_add(struct db *db, const struct case_row *c, int64_t user,
                  int64_t at, bool *added)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO supporters (case_id, user_id,"
                    " city_code, created_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, c->id);
    db_bind_int(st, 2, user);
    db_bind_text(st, 3, c->city_code);
    db_bind_int(st, 4, at);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    *added = db_changes(db) == 1;
    return CG_OK;
}

/* One integer from a query with one integer parameter; dflt when there
 * is no row or the query fails. */
static int64_t
int_query(struct db *db, const char *sql, int64_t a, int64_t b, int64_t dflt)
{
    struct db_stmt *st;
    int64_t v = dflt;

    if (db_prepare(db, sql, &st) != CG_OK)
        return dflt;
    db_bind_int(st, 1, a);
    if (b)
        db_bind_int(st, 2, b);
    if (db_step(st) == DB_ROW)
        v = db_col_int(st, 0);
    db_finalize(st);
    return v;
}

int64_t
store_support_count(struct db *db, int64_t case_id)
{
    return int_query(db, "SELECT COUNT(*) FROM supporters WHERE case_id = ?",
                     case_id, 0, 0);
}

bool
store_support_has(struct db *db, int64_t case_id, int64_t user)
{
    return int_query(db,
                     "SELECT COUNT(*) FROM supporters"
                     " WHERE case_id = ? AND user_id = ?",
                     case_id, user, 0) > 0;
}

int
store_case_children(struct db *db, int64_t parent, int64_t *ids, size_t max,
                    size_t *n)
{
    struct db_stmt *st;
    int rc;

    *n = 0;
    rc = db_prepare(db,
                    "SELECT id FROM cases WHERE parent_id = ?"
                    " AND state = 'merged' ORDER BY id LIMIT ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, parent);
    db_bind_int(st, 2, (int64_t)max);
    while (*n < max && (rc = db_step(st)) == DB_ROW)
        ids[(*n)++] = db_col_int(st, 0);
    db_finalize(st);
    return rc < 0 ? rc : CG_OK;
}

int
store_case_last_note(struct db *db, int64_t id, const char *action, char *out,
                     size_t outlen)
{
    struct db_stmt *st;
    int rc;

    out[0] = '\0';
    rc = db_prepare(db,
                    "SELECT note FROM events WHERE case_id = ? AND action = ?"
                    " AND note IS NOT NULL ORDER BY seq DESC LIMIT 1",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, action);
    rc = db_step(st);
    if (rc == DB_ROW) {
        str_copy(out, outlen, db_col_text(st, 0));
        cut_utf8(out, outlen);
    }
    db_finalize(st);
    return rc < 0 ? rc : CG_OK;
}

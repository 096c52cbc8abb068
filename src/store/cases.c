/*
 * cases.c - cases, their append-only event history, and their photos.
 *
 * A case row is a cache of its events: every change appends an event and
 * updates the row in the same transaction, guarded by the row's version so
 * that two people acting on the same case at once cannot both win.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

/* The longest area path or class code a range is made for. */
#define PREFIX_MAX 512

static json_t *time_json(int64_t t);
static json_t *case_event_photos(struct db *db, int64_t case_id);
static int from_query(struct db *db, struct buf *sql,
                      const struct case_query *q);
static int where_query(struct buf *sql, const struct case_query *q, bool walk);
static int bind_query(struct db_stmt *st, const struct case_query *q, int i);
static int bind_search(struct db_stmt *st, const struct case_query *q, int i);
static int bind_filters(struct db_stmt *st, const struct case_query *q, int i);
static bool area_is_all(struct db *db, const struct case_query *q);
static bool filters_are_none(struct db *db, const struct case_query *q);
static int count_run(struct db_stmt *st, int64_t *n);
static int count_query(struct db *db, const struct case_query *q,
                       int64_t *total, bool *capped);
static bool has_search(const struct case_query *q);
static bool prefix_next(const char *prefix, char *out, size_t len);
static const char *order_query(const struct case_query *q, bool outer);
static json_t *case_row_json(struct db_stmt *st, int64_t now);

static json_t *
time_json(int64_t t)
{
    char s[CGTIME_LEN];

    if (t == 0)
        return json_null();
    cgtime_display(t, s);
    return json_string(s);
}

int
store_case_insert(struct db *db, const struct case_new *c, int64_t *id)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO cases (city_code, ref, title, description,"
                    " category_code, area_code, area_path, lon, lat, address,"
                    " level, channel, state, unit_id, route_reason,"
                    " reporter_id, reporter_name, reporter_phone,"
                    " reported_at, due_at, updated_at, level_reason)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'none',?,?,?,?,?,?,?,?,"
                    " ?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, c->city_code);
    db_bind_text(st, 2, c->ref);
    db_bind_text(st, 3, c->title);
    db_bind_text(st, 4, c->description);
    db_bind_text(st, 5, c->category_code);
    db_bind_text(st, 6, c->area->code);
    db_bind_text(st, 7, c->area->path);
    if (c->has_point) {
        db_bind_double(st, 8, c->lon);
        db_bind_double(st, 9, c->lat);
    }
    db_bind_text(st, 10, c->address);
    db_bind_text(st, 11, c->level ? c->level : "general");
    db_bind_text(st, 12, c->channel ? c->channel : "web");
    if (c->unit_id)
        db_bind_int(st, 13, c->unit_id);
    db_bind_text(st, 14, c->route_reason);
    if (c->reporter_id)
        db_bind_int(st, 15, c->reporter_id);
    db_bind_text(st, 16, c->reporter_name);
    db_bind_text(st, 17, c->reporter_phone);
    db_bind_int(st, 18, c->reported_at);
    if (c->due_at)
        db_bind_int(st, 19, c->due_at);
    db_bind_int(st, 20, c->reported_at);
    db_bind_text(st, 21, c->level_reason);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    *id = db_last_id(db);
    return CG_OK;
}

/* Where a statement holds each field of a case_row, in the order of
 * struct case_row (row_fill). */
enum {
    R_ID,
    R_REF,
    R_CITY,
    R_STATE,
    R_CATEGORY,
    R_AREA,
    R_PATH,
    R_UNIT,
    R_REPORTER,
    R_RATING,
    R_REPORTED,
    R_DUE,
    R_CLOSED,
    R_PARENT,
    R_VERSION,
    R_ESCALATED,
    R_LEVEL,
    R_SEQ,
    R__COUNT
};

/* store_case_get's statement: the fields in that order. */
static const int row_cols[R__COUNT] = {0, 1,  2,  3,  4,  5,  6,  7,  8,
                                       9, 10, 11, 12, 13, 14, 15, 16, 17};

static void
row_fill(struct db_stmt *st, const int col[R__COUNT], struct case_row *out)
{
    const char *s;

    memset(out, 0, sizeof(*out));
    out->id = db_col_int(st, col[R_ID]);
    if (!db_col_null(st, col[R_REF]))
        str_copy(out->ref, sizeof(out->ref), db_col_text(st, col[R_REF]));
    str_copy(out->city_code, sizeof(out->city_code),
             db_col_text(st, col[R_CITY]));
    if (strcmp(db_col_text(st, col[R_STATE]), "none") == 0)
        out->state = ST_NONE;
    else if (case_state_parse(db_col_text(st, col[R_STATE]), &out->state) !=
             CG_OK)
        out->state = ST_NONE;
    str_copy(out->category_code, sizeof(out->category_code),
             db_col_text(st, col[R_CATEGORY]));
    str_copy(out->area_code, sizeof(out->area_code),
             db_col_text(st, col[R_AREA]));
    str_copy(out->area_path, sizeof(out->area_path),
             db_col_text(st, col[R_PATH]));
    out->unit_id = db_col_int(st, col[R_UNIT]);
    out->reporter_id = db_col_int(st, col[R_REPORTER]);
    s = db_col_text(st, col[R_RATING]);
    out->rating = RATING_NONE;
    if (s)
        rating_parse(s, &out->rating);
    out->reported_at = db_col_int(st, col[R_REPORTED]);
    out->due_at = db_col_int(st, col[R_DUE]);
    out->closed_at = db_col_int(st, col[R_CLOSED]);
    out->parent_id = db_col_int(st, col[R_PARENT]);
    out->version = db_col_int(st, col[R_VERSION]);
    out->escalated = db_col_int(st, col[R_ESCALATED]) != 0;
    str_copy(out->level, sizeof(out->level), db_col_text(st, col[R_LEVEL]));
    out->seq = db_col_int(st, col[R_SEQ]);
}

int
store_case_get(struct db *db, int64_t id, struct case_row *out)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT id, ref, city_code, state, category_code,"
                    " area_code, area_path, unit_id, reporter_id, rating,"
                    " reported_at, due_at, closed_at, parent_id, version,"
                    " escalated, level,"
                    " (SELECT COALESCE(MAX(seq), 0) FROM events"
                    "  WHERE case_id = cases.id)"
                    " FROM cases WHERE id = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, id);
    rc = db_step(st);
    if (rc != DB_ROW) {
        db_finalize(st);
        return rc == DB_DONE ? CG_ENOTFOUND : rc;
    }
    row_fill(st, row_cols, out);
    db_finalize(st);
    return CG_OK;
}

int
store_case_by_ref(struct db *db, const char *ref, int64_t *id)
{
    int64_t v = 0;
    int rc = db_scalar_int(db, 0, &v, "SELECT id FROM cases WHERE ref = ?", ref,
                           NULL);

    if (rc != CG_OK)
        return rc;
    if (v == 0)
        return CG_ENOTFOUND;
    *id = v;
    return CG_OK;
}

int
store_case_apply(struct db *db, const struct case_row *c,
                 const struct case_event *e, int64_t parent_id)
{
    struct db_stmt *st;
    int64_t event_id;
    bool closing = e->to == ST_CLOSED && e->from != ST_CLOSED;
    bool reopening = e->from == ST_CLOSED && e->to != ST_CLOSED;
    size_t i;
    int rc;

    rc = db_prepare(db,
                    "UPDATE cases SET state = ?, version = version + 1,"
                    " updated_at = ?,"
                    " unit_id = COALESCE(?, unit_id),"
                    " due_at = COALESCE(?, due_at),"
                    " closed_at = CASE WHEN ? = 1 THEN ? WHEN ? = 1"
                    "  THEN NULL ELSE closed_at END,"
                    " rating = CASE WHEN ? = 1 THEN ? WHEN ? = 1 THEN NULL"
                    "  ELSE rating END,"
                    " handled = CASE WHEN ? = 1 THEN 1 ELSE handled END,"
                    " reworked = CASE WHEN ? = 1 THEN 1 ELSE reworked END,"
                    " escalated = CASE WHEN ? = 1 THEN 1 ELSE escalated END,"
                    " parent_id = COALESCE(?, parent_id)"
                    " WHERE id = ? AND version = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, case_state_name(e->to));
    db_bind_int(st, 2, e->at);
    if (e->unit_id)
        db_bind_int(st, 3, e->unit_id);
    if (e->due_at)
        db_bind_int(st, 4, e->due_at);
    db_bind_int(st, 5, closing);
    db_bind_int(st, 6, e->at);
    db_bind_int(st, 7, reopening);
    db_bind_int(st, 8, e->rating != RATING_NONE);
    db_bind_text(st, 9, rating_name(e->rating));
    db_bind_int(st, 10, reopening);
    db_bind_int(st, 11,
                e->action == ACT_HANDLE || e->action == ACT_SELF_HANDLE);
    db_bind_int(st, 12, e->action == ACT_REWORK);
    db_bind_int(st, 13, e->action == ACT_ESCALATE);
    if (parent_id)
        db_bind_int(st, 14, parent_id);
    db_bind_int(st, 15, c->id);
    db_bind_int(st, 16, c->version);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    if (db_changes(db) != 1)
        return CG_ECONFLICT;

    rc = db_prepare(db,
                    "INSERT INTO events (city_code, case_id, seq, at,"
                    " actor_id, actor_role, action, from_state, to_state,"
                    " note, unit_id, rating, due_at, days)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, c->city_code);
    db_bind_int(st, 2, c->id);
    db_bind_int(st, 3, c->seq + 1);
    db_bind_int(st, 4, e->at);
    if (e->actor_id)
        db_bind_int(st, 5, e->actor_id);
    db_bind_text(st, 6, role_name(e->actor_role));
    db_bind_text(st, 7, case_action_name(e->action));
    db_bind_text(st, 8, e->from == ST_NONE ? NULL : case_state_name(e->from));
    db_bind_text(st, 9, case_state_name(e->to));
    db_bind_text(st, 10, e->note && *e->note ? e->note : NULL);
    if (e->unit_id)
        db_bind_int(st, 11, e->unit_id);
    if (e->rating != RATING_NONE)
        db_bind_text(st, 12, rating_name(e->rating));
    if (e->due_at)
        db_bind_int(st, 13, e->due_at);
    if (e->days)
        db_bind_int(st, 14, e->days);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    event_id = db_last_id(db);

    for (i = 0; i < e->nphotos; i++) {
        rc = db_prepare(db,
                        "INSERT INTO event_photos (event_id, hash,"
                        " city_code) VALUES (?, ?, (SELECT city_code FROM"
                        " events WHERE id = ?)) ON CONFLICT DO NOTHING",
                        &st);
        if (rc != CG_OK)
            return rc;
        db_bind_int(st, 1, event_id);
        db_bind_text(st, 2, e->photos[i]);
        db_bind_int(st, 3, event_id);
        rc = db_step(st);
        db_finalize(st);
        if (rc != DB_DONE)
            return rc == CG_ECONFLICT ? CG_EINVAL : rc;
    }
    return CG_OK;
}

int
store_case_extension_days(struct db *db, int64_t id)
{
    struct db_stmt *st;
    int days = 0;

    if (db_prepare(db,
                   "SELECT days FROM events WHERE case_id = ?"
                   " AND action = 'extend' ORDER BY seq DESC LIMIT 1",
                   &st) != CG_OK)
        return 0;
    db_bind_int(st, 1, id);
    if (db_step(st) == DB_ROW)
        days = (int)db_col_int(st, 0);
    db_finalize(st);
    return days;
}

/* The photos of every event of a case, as {"<event id>": [photo, ...]},
 * in one query rather than one per event. */
static json_t *
case_event_photos(struct db *db, int64_t case_id)
{
    json_t *by_event = json_object(), *arr;
    struct db_stmt *st;
    char key[24];

    if (db_prepare(db,
                   "SELECT ep.event_id, p.hash, p.width, p.height"
                   " FROM events e JOIN event_photos ep ON ep.event_id = e.id"
                   " JOIN photos p ON p.hash = ep.hash WHERE e.case_id = ?"
                   " ORDER BY e.seq, ep.rowid",
                   &st) != CG_OK)
        return by_event;
    db_bind_int(st, 1, case_id);
    while (db_step(st) == DB_ROW) {
        const char *h = db_col_text(st, 1);
        char url[128], thumb[128];

        str_fmt(key, sizeof(key), "%lld", (long long)db_col_int(st, 0));
        if (!(arr = json_object_get(by_event, key))) {
            arr = json_array();
            json_object_set_new(by_event, key, arr);
        }
        str_fmt(url, sizeof(url), "/photos/%s.jpg", h);
        str_fmt(thumb, sizeof(thumb), "/photos/%s.thumb.jpg", h);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s, s:I, s:I}", "hash", h,
                                        "url", url, "thumb_url", thumb, "width",
                                        (json_int_t)db_col_int(st, 2), "height",
                                        (json_int_t)db_col_int(st, 3)));
    }
    db_finalize(st);
    return by_event;
}

json_t *
store_case_events(struct db *db, int64_t id)
{
    json_t *arr = json_array(), *photos = case_event_photos(db, id), *ph;
    struct db_stmt *st;
    char key[24];

    if (db_prepare(db,
                   "SELECT e.id, e.seq, e.at, e.actor_role, e.action,"
                   " e.from_state, e.to_state, e.note, u.name, e.rating,"
                   " e.due_at, us.display_name, us.username, e.actor_id"
                   " FROM events e LEFT JOIN units u ON u.id = e.unit_id"
                   " LEFT JOIN users us ON us.id = e.actor_id"
                   " WHERE e.case_id = ? ORDER BY e.seq",
                   &st) != CG_OK) {
        json_decref(photos);
        return arr;
    }
    db_bind_int(st, 1, id);
    while (db_step(st) == DB_ROW) {
        enum case_action a = ACT_SUBMIT;
        enum case_state to = ST_NONE;
        case_action_parse(db_col_text(st, 4), &a);
        case_state_parse(db_col_text(st, 6), &to);
        str_fmt(key, sizeof(key), "%lld", (long long)db_col_int(st, 0));
        ph = json_object_get(photos, key);
        json_array_append_new(
            arr,
            json_pack("{s:I, s:o, s:s, s:s, s:s, s:s?, s:s, s:s, s:s?,"
                      " s:s?, s:s?, s:o, s:s?, s:o, s:I}",
                      "seq", (json_int_t)db_col_int(st, 1), "at",
                      time_json(db_col_int(st, 2)), "actor_role",
                      db_col_text(st, 3), "action", db_col_text(st, 4),
                      "action_label", case_action_label_zh(a), "from",
                      db_col_text(st, 5), "to", db_col_text(st, 6), "to_label",
                      case_state_label_zh(to), "note", db_col_text(st, 7),
                      "unit", db_col_text(st, 8), "rating", db_col_text(st, 9),
                      "due_at", time_json(db_col_int(st, 10)), "actor",
                      db_col_null(st, 11) ? db_col_text(st, 12)
                                          : db_col_text(st, 11),
                      "photos", ph ? json_incref(ph) : json_array(), "actor_id",
                      (json_int_t)db_col_int(st, 13)));
    }
    db_finalize(st);
    json_decref(photos);
    return arr;
}

#define CASE_COLS                                                              \
    "c.id, c.ref, c.title, c.description, c.category_code, k.name,"            \
    " c.area_code, a.name, c.lon, c.lat, c.address, c.level, c.channel,"       \
    " c.state, c.unit_id, un.name, c.reporter_id, c.reporter_name,"            \
    " c.reporter_phone, c.reported_at, c.due_at, c.closed_at, c.rating,"       \
    " c.escalated, c.parent_id, c.version, c.route_reason, c.updated_at,"      \
    " (SELECT p.hash FROM events e JOIN event_photos p ON p.event_id = e.id"   \
    "  WHERE e.case_id = c.id ORDER BY e.seq LIMIT 1),"                        \
    " c.level_reason, c.suggestions, c.category_reason"
#define CASE_FROM                                                              \
    " FROM cases c JOIN categories k ON k.code = c.category_code"              \
    " JOIN areas a ON a.code = c.area_code"                                    \
    " LEFT JOIN units un ON un.id = c.unit_id"

/* One case row as JSON; columns as in CASE_COLS.  `now` decides whether an
 * open case is overdue. */
static json_t *
case_row_json(struct db_stmt *st, int64_t now)
{
    enum case_state s = ST_NONE;
    int64_t due = db_col_int(st, 20);
    const char *thumb = db_col_text(st, 28);
    char turl[128] = "";
    json_t *o;

    case_state_parse(db_col_text(st, 13), &s);
    if (thumb)
        str_fmt(turl, sizeof(turl), "/photos/%s.thumb.jpg", thumb);
    o = json_pack(
        "{s:I, s:s?, s:s?, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s?, s:s,"
        " s:s, s:s, s:s, s:s?, s:o, s:o, s:o, s:s?, s:b, s:b, s:I, s:s?,"
        " s:o, s:s?}",
        "id", (json_int_t)db_col_int(st, 0), "ref", db_col_text(st, 1), "title",
        db_col_text(st, 2), "description", db_col_text(st, 3), "category",
        "code", db_col_text(st, 4), "name", db_col_text(st, 5), "area", "code",
        db_col_text(st, 6), "name", db_col_text(st, 7), "address",
        db_col_text(st, 10), "level", db_col_text(st, 11), "channel",
        db_col_text(st, 12), "state", db_col_text(st, 13), "state_label",
        case_state_label_zh(s), "unit", db_col_text(st, 15), "reported_at",
        time_json(db_col_int(st, 19)), "due_at", time_json(due), "closed_at",
        time_json(db_col_int(st, 21)), "rating", db_col_text(st, 22),
        "escalated", (int)db_col_int(st, 23), "overdue",
        case_state_is_open(s) && due && due < now, "version",
        (json_int_t)db_col_int(st, 25), "route_reason", db_col_text(st, 26),
        "updated_at", time_json(db_col_int(st, 27)), "thumb_url",
        thumb ? turl : NULL);
    if (!o) {
        /* Stored text the JSON library refuses: this case cannot be
         * shown, the others still can. */
        log_error("msg=\"case cannot be shown\" case=%lld",
                  (long long)db_col_int(st, 0));
        return NULL;
    }
    if (!db_col_null(st, 29))
        json_object_set_new(o, "level_reason",
                            json_string(db_col_text(st, 29)));
    /* A case the platform filed: the three suggestions and why. */
    if (!db_col_null(st, 30)) {
        json_t *sug = json_loads(db_col_text(st, 30), 0, NULL);
        if (sug)
            json_object_set_new(o, "suggestions", sug);
    }
    if (!db_col_null(st, 31))
        json_object_set_new(o, "category_reason",
                            json_string(db_col_text(st, 31)));
    if (!db_col_null(st, 8))
        json_object_set_new(o, "location",
                            json_pack("{s:f, s:f}", "lon", db_col_double(st, 8),
                                      "lat", db_col_double(st, 9)));
    if (!db_col_null(st, 14))
        json_object_set_new(o, "unit_id", json_integer(db_col_int(st, 14)));
    if (!db_col_null(st, 24))
        json_object_set_new(o, "parent_id", json_integer(db_col_int(st, 24)));
    json_object_set_new(
        o, "reporter",
        json_pack("{s:o, s:s?, s:s?}", "id",
                  db_col_null(st, 16) ? json_null()
                                      : json_integer(db_col_int(st, 16)),
                  "name", db_col_text(st, 17), "phone", db_col_text(st, 18)));
    return o;
}

json_t *
store_case_json(struct db *db, int64_t id)
{
    struct case_row row;

    return store_case_view(db, id, &row);
}

/* store_case_view's statement: CASE_COLS, then the fields a case_row
 * has and the JSON does not. */
#define VIEW_COLS                                                              \
    CASE_COLS ", c.city_code, c.area_path,"                                    \
              " (SELECT COALESCE(MAX(seq), 0) FROM events"                     \
              "  WHERE case_id = c.id)"
static const int view_cols[R__COUNT] = {0,  1,  32, 13, 4,  6,  33, 14, 16,
                                        22, 19, 20, 21, 24, 25, 23, 11, 34};

json_t *
store_case_view(struct db *db, int64_t id, struct case_row *row)
{
    struct db_stmt *st;
    json_t *o = NULL;

    if (db_prepare(db, "SELECT " VIEW_COLS CASE_FROM " WHERE c.id = ?", &st) !=
        CG_OK)
        return NULL;
    db_bind_int(st, 1, id);
    if (db_step(st) == DB_ROW) {
        row_fill(st, view_cols, row);
        o = case_row_json(st, cgtime_now());
    }
    db_finalize(st);
    return o;
}

/*
 * The FROM clause of a case query: with a search, driven by the matching
 * ids (the dialect's subquery m), else the cases alone.
 */
static int
from_query(struct db *db, struct buf *sql, const struct case_query *q)
{
    int rc;

    if (!has_search(q))
        return buf_puts(sql, " FROM cases c");
    rc = buf_puts(sql, " FROM ");
    rc |= db_dialect_case_search(db, sql, "m", q->q);
    rc |= buf_puts(sql, " JOIN cases c ON c.id = m.id");
    return rc ? CG_ETOOBIG : CG_OK;
}

/*
 * Builds the WHERE clause of a case query into sql and binds nothing: the
 * parameters are bound by bind_query in the same order.  Only the filters
 * asked for appear, so the planner sees a plain query.  Prefixes (an area
 * subtree, a big class) are ranges [prefix, next) so that an index can
 * answer them; the strings compare byte by byte (SQLite's BINARY, and the
 * C collation PostgreSQL databases are made with, docs/architecture.md).
 *
 * With walk, the area's range is written so that no index can take it
 * (the path with '' appended): a page is read by walking the index of its
 * order, which holds the path, and stops at the page; the planner would
 * otherwise read and sort every case of the subtree, as SQLite has no
 * figures on how many a range holds.
 */
static int
where_query(struct buf *sql, const struct case_query *q, bool walk)
{
    const char *path = walk ? "(c.area_path || '')" : "c.area_path";
    char next[PREFIX_MAX];
    int rc = buf_puts(sql, " WHERE c.state <> 'none'");
    size_t i;

    if (q->state)
        rc |= buf_puts(sql, " AND c.state = ?");
    if (q->area_path && *q->area_path) {
        rc |= buf_printf(sql, " AND %s >= ?", path);
        if (prefix_next(q->area_path, next, sizeof(next)))
            rc |= buf_printf(sql, " AND %s < ?", path);
    }
    if (q->category && *q->category) {
        rc |= buf_puts(sql, " AND c.category_code >= ?");
        if (prefix_next(q->category, next, sizeof(next)))
            rc |= buf_puts(sql, " AND c.category_code < ?");
    }
    if (q->unit_id)
        rc |= buf_puts(sql, " AND c.unit_id = ?");
    /* A person's own cases are those they reported and those they
     * joined ("me too"). */
    if (q->reporter_id)
        rc |= buf_puts(sql, " AND (c.reporter_id = ? OR c.id IN (SELECT"
                            " case_id FROM supporters WHERE user_id = ?))");
    if (q->public_only)
        rc |= buf_puts(sql, " AND c.state NOT IN ('withdrawn','merged')");
    /* The open states by name, so that the queue index is looked up once
     * for each of them instead of read from end to end. */
    if (q->overdue_only) {
        rc |= buf_puts(sql, " AND (c.due_at IS NULL) = FALSE AND c.due_at < ?"
                            " AND c.state IN (");
        for (i = ST_NONE + 1; i < ST__COUNT; i++)
            if (case_state_is_open((enum case_state)i))
                rc |= buf_printf(sql, "%s'%s'",
                                 sql->data[sql->len - 1] == '(' ? "" : ",",
                                 case_state_name((enum case_state)i));
        rc |= buf_puts(sql, ")");
    }
    return rc ? CG_ETOOBIG : CG_OK;
}

/* Binds the parameters from_query and where_query asked for; returns the
 * next free positional index. */
static int
bind_query(struct db_stmt *st, const struct case_query *q, int i)
{
    return bind_filters(st, q, bind_search(st, q, i));
}

/* The search's parameters (from_query), if any. */
static int
bind_search(struct db_stmt *st, const struct case_query *q, int i)
{
    return has_search(q) ? db_dialect_case_search_bind(st, i, q->q) : i;
}

/* The filters' parameters (where_query). */
static int
bind_filters(struct db_stmt *st, const struct case_query *q, int i)
{
    char next[PREFIX_MAX];

    if (q->state)
        db_bind_text(st, i++, q->state);
    if (q->area_path && *q->area_path) {
        db_bind_text(st, i++, q->area_path);
        if (prefix_next(q->area_path, next, sizeof(next)))
            db_bind_text(st, i++, next);
    }
    if (q->category && *q->category) {
        db_bind_text(st, i++, q->category);
        if (prefix_next(q->category, next, sizeof(next)))
            db_bind_text(st, i++, next);
    }
    if (q->unit_id)
        db_bind_int(st, i++, q->unit_id);
    if (q->reporter_id) {
        db_bind_int(st, i++, q->reporter_id);
        db_bind_int(st, i++, q->reporter_id);
    }
    if (q->overdue_only)
        db_bind_int(st, i++, q->now);
    return i;
}

static bool
has_search(const struct case_query *q)
{
    return q->q && *q->q;
}

/*
 * The least string greater than every string that starts with prefix:
 * prefix with its last byte raised by one, bytes 0xff dropped first.
 * False when there is none (a prefix of 0xff bytes only, or too long to
 * hold): then the range has no upper end, and where_query leaves it off.
 */
static bool
prefix_next(const char *prefix, char *out, size_t len)
{
    size_t n = strlen(prefix);

    if (n >= len)
        return false;
    memcpy(out, prefix, n + 1);
    while (n > 0 && (unsigned char)out[n - 1] == 0xff)
        out[--n] = '\0';
    if (n == 0)
        return false;
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
    return true;
}

/* The order of a page, for the query on cases (alias c) and its search
 * (m).  Each matches an index exactly (schema version 10), so that the
 * page is read from the front of the index and nothing is sorted: the
 * deadline first, cases without one last; a search newest first by case
 * number, which its index is ordered by (m.id inside, where the index is
 * read; c.id outside, once the page is joined); else newest reported
 * first. */
static const char *
order_query(const struct case_query *q, bool outer)
{
    if (q->sort && strcmp(q->sort, "due") == 0)
        return " ORDER BY (c.due_at IS NULL), c.due_at, c.id";
    if (has_search(q))
        return outer ? " ORDER BY c.id DESC" : " ORDER BY m.id DESC";
    return " ORDER BY c.reported_at DESC, c.id DESC";
}

/* Whether the area subtree of q holds every case there is (the scope of
 * someone who sees the whole city): then it need not be checked, case by
 * case.  One look-up at each end of the subtree's range in an index. */
static bool
area_is_all(struct db *db, const struct case_query *q)
{
    char next[PREFIX_MAX];
    int64_t n = 1;

    if (!q->area_path || !*q->area_path)
        return true;
    if (!prefix_next(q->area_path, next, sizeof(next)))
        return false;
    return db_scalar_int(db, 1, &n,
                         "SELECT COUNT(*) FROM (SELECT 1 AS one FROM cases"
                         " WHERE area_path < ? OR area_path >= ? LIMIT 1) n",
                         q->area_path, next, NULL) == CG_OK &&
           n == 0;
}

/* Whether q, its area aside, leaves out no case: no filter, and no case
 * in the state 'none' (one a transaction is filing at this moment). */
static bool
filters_are_none(struct db *db, const struct case_query *q)
{
    int64_t n = 1;

    if (q->state || (q->category && *q->category) || q->unit_id ||
        q->reporter_id || q->public_only || q->overdue_only)
        return false;
    return db_scalar_int(db, 1, &n,
                         "SELECT COUNT(*) FROM (SELECT 1 AS one FROM cases"
                         " WHERE state = 'none' LIMIT 1) n",
                         NULL) == CG_OK &&
           n == 0;
}

/* Runs a statement whose one row is one count. */
static int
count_run(struct db_stmt *st, int64_t *n)
{
    int rc = db_step(st);

    *n = rc == DB_ROW ? db_col_int(st, 0) : 0;
    db_finalize(st);
    return rc < 0 ? rc : CG_OK;
}

/*
 * The total of a list, counted up to q->count_cap (more: *capped).
 *
 * A search counts the matches in its index alone (no case read), which is
 * the total when the scope is the whole city.  Otherwise the newest
 * count_cap matches are read to see which are in scope: exact when there
 * are no more matches than that, else a lower bound, capped.
 */
static int
count_query(struct db *db, const struct case_query *q, int64_t *total,
            bool *capped)
{
    struct buf sql;
    struct db_stmt *st;
    int64_t cap = q->count_cap;
    int rc, i;

    *capped = false;
    buf_init(&sql, 8192);
    buf_puts(&sql, "SELECT COUNT(*) FROM (SELECT 1 AS one");
    if (has_search(q)) {
        buf_puts(&sql, " FROM ");
        db_dialect_case_search(db, &sql, "m", q->q);
    } else {
        from_query(db, &sql, q);
        /* Filtered by state and deadline alone, or not at all, as a
         * city-wide queue is, the cases are counted in the narrowest
         * index that holds both: a fifth of the pages of the queue's own
         * index.  (schema.c must keep cases_state.) */
        if (!(q->area_path && *q->area_path) &&
            !(q->category && *q->category) && !q->unit_id && !q->reporter_id)
            db_dialect_use_index(db, &sql, "cases_state");
        where_query(&sql, q, false);
    }
    if (cap > 0)
        buf_puts(&sql, " LIMIT ?");
    if ((rc = buf_puts(&sql, ") n")) != CG_OK)
        goto out;
    if ((rc = db_prepare(db, sql.data, &st)) != CG_OK)
        goto out;
    i = has_search(q) ? bind_search(st, q, 1) : bind_query(st, q, 1);
    if (cap > 0)
        db_bind_int(st, i, cap + 1);
    if ((rc = count_run(st, total)) != CG_OK)
        goto out;
    *capped = cap > 0 && *total > cap;
    if (*capped)
        *total = cap;
    if (!has_search(q) || (!q->area_path && filters_are_none(db, q)))
        goto out;

    buf_reset(&sql);
    buf_puts(&sql, "SELECT COUNT(*) FROM (SELECT m.id AS id FROM ");
    db_dialect_case_search(db, &sql, "m", q->q);
    buf_puts(&sql, " ORDER BY m.id DESC");
    if (cap > 0)
        buf_puts(&sql, " LIMIT ?");
    buf_puts(&sql, ") s JOIN cases c ON c.id = s.id");
    if ((rc = where_query(&sql, q, false)) != CG_OK)
        goto out;
    if ((rc = db_prepare(db, sql.data, &st)) != CG_OK)
        goto out;
    i = bind_search(st, q, 1);
    if (cap > 0)
        db_bind_int(st, i++, cap);
    bind_filters(st, q, i);
    if ((rc = count_run(st, total)) != CG_OK)
        goto out;
out:
    buf_free(&sql);
    return rc;
}

int
store_case_list(struct db *db, const struct case_query *asked, json_t **items,
                int64_t *total, bool *capped)
{
    struct case_query everywhere = *asked;
    const struct case_query *q = asked;
    struct buf sql;
    struct db_stmt *st;
    int rc, i;

    /* An area that holds every case filters nothing: left out, neither
     * the count nor the walk to the page looks at each case's path. */
    everywhere.area_path = NULL;
    if (area_is_all(db, asked))
        q = &everywhere;

    /* The count, up to the cap: counting every case of a common word
     * would take longer than the page itself. */
    buf_init(&sql, 8192);
    if ((rc = count_query(db, q, total, capped)) != CG_OK)
        goto out;

    /* The page's ids from the cases and their indexes alone, then the
     * columns of those few. */
    buf_reset(&sql);
    buf_puts(&sql, "SELECT " CASE_COLS " FROM (SELECT c.id AS pid");
    from_query(db, &sql, q);
    where_query(&sql, q, true);
    buf_puts(&sql, order_query(q, false));
    buf_puts(&sql, " LIMIT ? OFFSET ?) p JOIN cases c ON c.id = p.pid"
                   " JOIN categories k ON k.code = c.category_code"
                   " JOIN areas a ON a.code = c.area_code"
                   " LEFT JOIN units un ON un.id = c.unit_id");
    if ((rc = buf_puts(&sql, order_query(q, true))) != CG_OK)
        goto out;
    if ((rc = db_prepare(db, sql.data, &st)) != CG_OK)
        goto out;
    i = bind_query(st, q, 1);
    db_bind_int(st, i, q->per_page);
    db_bind_int(st, i + 1, (int64_t)(q->page - 1) * q->per_page);
    *items = json_array();
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *o = case_row_json(st, q->now);
        if (o)
            json_array_append_new(*items, o);
    }
    db_finalize(st);
    if (rc < 0) {
        json_decref(*items);
        *items = NULL;
        goto out;
    }
    rc = CG_OK;
out:
    buf_free(&sql);
    return rc;
}

int
store_photo_put(struct db *db, const char *hash, int w, int h, int64_t bytes,
                const char *type, int64_t uploader)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO photos (hash, width, height, bytes,"
                    " source_type, uploader_id, created_at)"
                    " VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, hash);
    db_bind_int(st, 2, w);
    db_bind_int(st, 3, h);
    db_bind_int(st, 4, bytes);
    db_bind_text(st, 5, type);
    if (uploader)
        db_bind_int(st, 6, uploader);
    db_bind_int(st, 7, cgtime_now());
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

bool
store_photo_exists(struct db *db, const char *hash)
{
    int64_t n = 0;

    db_scalar_int(db, 0, &n, "SELECT COUNT(*) FROM photos WHERE hash = ?", hash,
                  NULL);
    return n > 0;
}

bool
store_case_has_photo(struct db *db, int64_t case_id, const char *hash)
{
    struct db_stmt *st;
    bool found = false;

    if (db_prepare(db,
                   "SELECT 1 FROM events e JOIN event_photos p"
                   " ON p.event_id = e.id WHERE e.case_id = ? AND p.hash = ?",
                   &st) != CG_OK)
        return false;
    db_bind_int(st, 1, case_id);
    db_bind_text(st, 2, hash);
    found = db_step(st) == DB_ROW;
    db_finalize(st);
    return found;
}

int
store_idem_get(struct db *db, int64_t user_id, const char *key,
               char *fingerprint, size_t fplen, int64_t *case_id, int *status)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT fingerprint, case_id, status FROM idempotency"
                    " WHERE user_id = ? AND key = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, key);
    rc = db_step(st);
    if (rc == DB_ROW) {
        str_copy(fingerprint, fplen, db_col_text(st, 0));
        *case_id = db_col_int(st, 1);
        *status = (int)db_col_int(st, 2);
        rc = CG_OK;
    } else if (rc == DB_DONE) {
        rc = CG_ENOTFOUND;
    }
    db_finalize(st);
    return rc;
}

int
store_idem_put(struct db *db, int64_t user_id, const char *key,
               const char *fingerprint, int64_t case_id, int status)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO idempotency (user_id, key, fingerprint,"
                    " case_id, status, created_at, city_code)"
                    " VALUES (?,?,?,?,?,?,"
                    " (SELECT city_code FROM cases WHERE id = ?))",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, user_id);
    db_bind_text(st, 2, key);
    db_bind_text(st, 3, fingerprint);
    db_bind_int(st, 4, case_id);
    db_bind_int(st, 5, status);
    db_bind_int(st, 6, cgtime_now());
    db_bind_int(st, 7, case_id);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

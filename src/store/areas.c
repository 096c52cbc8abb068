/*
 * areas.c - the area tree (city, district, street, community, unit grid,
 * compound, building) and the handling units attached to it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

static const char *const level_names[] = {
    "city", "district", "street", "community", "grid", "compound", "building",
};

static void area_from_row(struct db_stmt *st, struct area *a);
static void unit_from_row(struct db_stmt *st, struct unit *u);

const char *
area_level_name(int level)
{
    if (level < 0 || level > AREA_BUILDING)
        return "unknown";
    return level_names[level];
}

int
area_level_parse(const char *s, int *out)
{
    int i;

    for (i = 0; i <= AREA_BUILDING; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = i;
            return CG_OK;
        }
    return CG_EINVAL;
}

static void
area_from_row(struct db_stmt *st, struct area *a)
{
    const char *g;

    memset(a, 0, sizeof(*a));
    str_copy(a->code, sizeof(a->code), db_col_text(st, 0));
    if (!db_col_null(st, 1))
        str_copy(a->parent, sizeof(a->parent), db_col_text(st, 1));
    a->level = (int)db_col_int(st, 2);
    str_copy(a->name, sizeof(a->name), db_col_text(st, 3));
    str_copy(a->path, sizeof(a->path), db_col_text(st, 4));
    g = db_col_text(st, 5);
    a->grade = g ? g[0] : 0;
}

int
store_area_get(struct db *db, const char *code, struct area *out)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT code, parent, level, name, path, grade FROM areas"
                    " WHERE code = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, code);
    rc = db_step(st);
    if (rc == DB_ROW)
        area_from_row(st, out);
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

int
store_area_put(struct db *db, const char *code, const char *parent, int level,
               const char *name, char grade, const char *geometry,
               const double bbox[4])
{
    struct area p;
    char path[PATH_LEN], g[2] = {grade, 0};
    struct db_stmt *st;
    int rc;

    if (parent && *parent) {
        rc = store_area_get(db, parent, &p);
        if (rc != CG_OK)
            return rc;
        if (p.level >= level)
            return CG_EINVAL;
        rc = str_fmt(path, sizeof(path), "%s%s/", p.path, code);
    } else {
        rc = str_fmt(path, sizeof(path), "/%s/", code);
    }
    if (rc != CG_OK)
        return CG_ETOOBIG;
    rc = db_prepare(db,
                    "INSERT INTO areas (code, parent, level, name, path, grade,"
                    " geometry, min_lon, min_lat, max_lon, max_lat)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                    " grade = COALESCE(excluded.grade, areas.grade),"
                    " geometry = COALESCE(excluded.geometry, areas.geometry),"
                    " min_lon = COALESCE(excluded.min_lon, areas.min_lon),"
                    " min_lat = COALESCE(excluded.min_lat, areas.min_lat),"
                    " max_lon = COALESCE(excluded.max_lon, areas.max_lon),"
                    " max_lat = COALESCE(excluded.max_lat, areas.max_lat)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, code);
    db_bind_text(st, 2, parent && *parent ? parent : NULL);
    db_bind_int(st, 3, level);
    db_bind_text(st, 4, name);
    db_bind_text(st, 5, path);
    db_bind_text(st, 6, grade ? g : NULL);
    db_bind_text(st, 7, geometry);
    if (geometry && bbox) {
        int i;
        for (i = 0; i < 4; i++)
            db_bind_double(st, 8 + i, bbox[i]);
    }
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

char
store_area_grade(struct db *db, const struct area *a)
{
    struct area cur = *a;
    int guard = 0;

    while (guard++ < 8) {
        if (cur.grade)
            return cur.grade;
        if (!cur.parent[0] || store_area_get(db, cur.parent, &cur) != CG_OK)
            break;
    }
    return 'B';
}

int
store_area_each_geometry(struct db *db,
                         int (*cb)(const char *code, int level,
                                   const char *geometry, void *ctx),
                         void *ctx)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT code, level, geometry FROM areas"
                    " WHERE geometry IS NOT NULL",
                    &st);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        rc = cb(db_col_text(st, 0), (int)db_col_int(st, 1), db_col_text(st, 2),
                ctx);
        if (rc != CG_OK)
            break;
    }
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

/*
 * Chains read lately, by the area's code: every case's page names its
 * area's ancestors, and the recursive query was a ninth of the time of
 * reading one.  Areas change seldom, and only by commands (import, demo)
 * in a process of their own, which this one cannot hear of; so a chain is
 * read again once it is CHAIN_TTL seconds old, and a renamed area shows
 * in case pages within that time.  One slot per hash of the code, the
 * newest chain replacing an older one: the memory is bounded whatever the
 * number of grids.  The process serves one database, as the map does.
 */
#define CHAIN_TTL   10
#define CHAIN_SLOTS 4096

static struct {
    pthread_mutex_t lock;
    struct {
        char code[CODE_LEN];
        int64_t read_at; /* CLOCK_MONOTONIC seconds; 0: empty */
        json_t *chain;
    } slot[CHAIN_SLOTS];
} chains = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t
mono_seconds(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec + 1; /* never 0, the empty slot */
}

static size_t
chain_slot(const char *code)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *code; code++)
        h = (h ^ (unsigned char)*code) * 16777619u;
    return h % CHAIN_SLOTS;
}

/* The area and its ancestors in one statement; NULL when the database
 * failed to give them all. */
static json_t *
chain_read(struct db *db, const char *code)
{
    json_t *chain;
    struct db_stmt *st;
    int rc;

    if (db_prepare(db,
                   "WITH RECURSIVE up(code, parent, name, level, depth) AS ("
                   " SELECT code, parent, name, level, 0 FROM areas"
                   " WHERE code = ?"
                   " UNION ALL SELECT a.code, a.parent, a.name, a.level,"
                   " up.depth + 1 FROM areas a JOIN up ON a.code = up.parent"
                   " WHERE up.depth < ?)"
                   " SELECT code, name, level FROM up ORDER BY depth DESC",
                   &st) != CG_OK)
        return NULL;
    db_bind_text(st, 1, code);
    db_bind_int(st, 2, AREA_BUILDING);
    chain = json_array();
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(
            chain, json_pack("{s:s, s:s, s:s}", "code", db_col_text(st, 0),
                             "name", db_col_text(st, 1), "level",
                             area_level_name((int)db_col_int(st, 2))));
    db_finalize(st);
    if (rc != DB_DONE) {
        json_decref(chain);
        return NULL;
    }
    return chain;
}

json_t *
store_area_chain(struct db *db, const char *code)
{
    size_t k;
    int64_t now = mono_seconds();
    json_t *chain = NULL;

    if (!code || strlen(code) >= CODE_LEN)
        return json_array();
    k = chain_slot(code);
    pthread_mutex_lock(&chains.lock);
    if (chains.slot[k].read_at && now - chains.slot[k].read_at < CHAIN_TTL &&
        strcmp(chains.slot[k].code, code) == 0)
        chain = json_deep_copy(chains.slot[k].chain);
    pthread_mutex_unlock(&chains.lock);
    if (chain)
        return chain;
    if (!(chain = chain_read(db, code)))
        return json_array(); /* not kept: the next page asks again */
    /* An unknown code is not kept: it may be imported a moment later. */
    if (json_array_size(chain) == 0)
        return chain;
    pthread_mutex_lock(&chains.lock);
    json_decref(chains.slot[k].chain);
    str_copy(chains.slot[k].code, sizeof(chains.slot[k].code), code);
    chains.slot[k].read_at = now;
    chains.slot[k].chain = json_deep_copy(chain);
    if (!chains.slot[k].chain)
        chains.slot[k].read_at = 0;
    pthread_mutex_unlock(&chains.lock);
    return chain;
}

json_t *
store_area_children(struct db *db, const char *parent)
{
    json_t *arr = json_array();
    struct db_stmt *st;

    if (db_prepare(db,
                   "SELECT a.code, a.name, a.level, a.grade,"
                   " a.geometry IS NOT NULL,"
                   " (SELECT COUNT(*) FROM areas c WHERE c.parent = a.code)"
                   " FROM areas a WHERE"
                   " (CAST(? AS TEXT) IS NULL AND a.parent IS NULL)"
                   " OR a.parent = ?"
                   " ORDER BY a.code",
                   &st) != CG_OK)
        return arr;
    db_bind_text(st, 1, parent);
    db_bind_text(st, 2, parent);
    while (db_step(st) == DB_ROW)
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s?, s:b, s:I}", "code",
                           db_col_text(st, 0), "name", db_col_text(st, 1),
                           "level", area_level_name((int)db_col_int(st, 2)),
                           "grade", db_col_text(st, 3), "has_geometry",
                           (int)db_col_int(st, 4), "children",
                           (json_int_t)db_col_int(st, 5)));
    db_finalize(st);
    return arr;
}

json_t *
store_area_features(struct db *db, const char *within, int level)
{
    json_t *fc =
        json_pack("{s:s, s:[]}", "type", "FeatureCollection", "features");
    json_t *features = json_object_get(fc, "features");
    struct db_stmt *st;
    struct area w;
    char prefix[PATH_LEN + 2] = "/";

    if (within && store_area_get(db, within, &w) == CG_OK)
        str_fmt(prefix, sizeof(prefix), "%s", w.path);
    if (db_prepare(db,
                   "SELECT code, name, level, grade, geometry FROM areas"
                   " WHERE geometry IS NOT NULL AND level = ?"
                   " AND substr(path, 1, length(?)) = ? ORDER BY code",
                   &st) != CG_OK)
        return fc;
    db_bind_int(st, 1, level);
    db_bind_text(st, 2, prefix);
    db_bind_text(st, 3, prefix);
    while (db_step(st) == DB_ROW) {
        json_t *geom = json_loads(db_col_text(st, 4), 0, NULL);
        if (!geom)
            continue;
        json_array_append_new(
            features,
            json_pack("{s:s, s:{s:s, s:s, s:s, s:s?}, s:o}", "type", "Feature",
                      "properties", "code", db_col_text(st, 0), "name",
                      db_col_text(st, 1), "level",
                      area_level_name((int)db_col_int(st, 2)), "grade",
                      db_col_text(st, 3), "geometry", geom));
    }
    db_finalize(st);
    return fc;
}

static void
unit_from_row(struct db_stmt *st, struct unit *u)
{
    memset(u, 0, sizeof(*u));
    u->id = db_col_int(st, 0);
    str_copy(u->code, sizeof(u->code), db_col_text(st, 1));
    str_copy(u->name, sizeof(u->name), db_col_text(st, 2));
    str_copy(u->kind, sizeof(u->kind), db_col_text(st, 3));
    if (!db_col_null(st, 4))
        str_copy(u->area_code, sizeof(u->area_code), db_col_text(st, 4));
}

static int
unit_query(struct db *db, const char *sql, const char *text, int64_t id,
           struct unit *out)
{
    struct db_stmt *st;
    int rc = db_prepare(db, sql, &st);

    if (rc != CG_OK)
        return rc;
    if (text)
        db_bind_text(st, 1, text);
    else
        db_bind_int(st, 1, id);
    rc = db_step(st);
    if (rc == DB_ROW)
        unit_from_row(st, out);
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

int
store_unit_get(struct db *db, int64_t id, struct unit *out)
{
    return unit_query(db,
                      "SELECT id, code, name, kind, area_code FROM units"
                      " WHERE id = ?",
                      NULL, id, out);
}

int
store_unit_by_code(struct db *db, const char *code, struct unit *out)
{
    return unit_query(db,
                      "SELECT id, code, name, kind, area_code FROM units"
                      " WHERE code = ?",
                      code, 0, out);
}

int
store_unit_put(struct db *db, const char *code, const char *name,
               const char *kind, const char *area_code, int64_t *id)
{
    struct db_stmt *st;
    struct unit u;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO units (code, name, kind, area_code)"
                    " VALUES (?,?,?,?) ON CONFLICT (code) DO UPDATE SET"
                    " name = excluded.name, kind = excluded.kind,"
                    " area_code = excluded.area_code",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, code);
    db_bind_text(st, 2, name);
    db_bind_text(st, 3, kind);
    db_bind_text(st, 4, area_code);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    rc = store_unit_by_code(db, code, &u);
    if (rc == CG_OK && id)
        *id = u.id;
    return rc;
}

int
store_unit_territorial(struct db *db, const struct area *a, struct unit *out)
{
    struct db_stmt *st;
    int rc;

    /* The deepest ancestor (or the area itself) that has a territorial
     * unit: its path is a prefix of the area's path. */
    rc = db_prepare(db,
                    "SELECT u.id, u.code, u.name, u.kind, u.area_code"
                    " FROM units u JOIN areas x ON x.code = u.area_code"
                    " WHERE u.kind = 'territorial'"
                    " AND substr(?, 1, length(x.path)) = x.path"
                    " ORDER BY x.level DESC LIMIT 1",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, a->path);
    rc = db_step(st);
    if (rc == DB_ROW)
        unit_from_row(st, out);
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

json_t *
store_unit_list(struct db *db)
{
    json_t *arr = json_array();
    struct db_stmt *st;

    if (db_prepare(db,
                   "SELECT id, code, name, kind, area_code FROM units"
                   " ORDER BY kind DESC, code",
                   &st) != CG_OK)
        return arr;
    while (db_step(st) == DB_ROW)
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s?}", "id",
                                             (json_int_t)db_col_int(st, 0),
                                             "code", db_col_text(st, 1), "name",
                                             db_col_text(st, 2), "kind",
                                             db_col_text(st, 3), "area",
                                             db_col_text(st, 4)));
    db_finalize(st);
    return arr;
}

/*
 * onemap.c - the one map: every case as a point, counted per screen cell
 * or per area, fast enough for a city-wide view over a million cases.
 *
 * A GROUP BY over a million rows costs SQLite the better part of a second,
 * too slow for a map that asks again at every pan.  So the map keeps a
 * compact copy of what it draws (position, state, deadline, category,
 * level, unit, area) in memory, one slot per case id, and counts it in C.
 * The copy follows the database by two monotonic keys: cases with an id
 * above the last one read are new, and cases named by events with an id
 * above the last one read have changed (every change of a case appends an
 * event).  Each query first reads what is new, so the map is never behind
 * what a committed change shows.
 *
 * XXX: a case row changed without an event (by hand in SQL) is seen only
 * after a restart, and so is a new outline of an existing area for the
 * cases drawn in its middle; the platform changes cases only through
 * events, and areas rarely.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "core/metrics.h"
#include "store/store.h"

#define NO_LEVEL 4
#define FIXED    1e7 /* units of a degree in a stored coordinate */

/* One case as the map sees it, unpacked from the columns below. */
struct mpoint {
    double lon, lat; /* its own point, else its area's middle */
    int64_t reported_at;
    int64_t due_at; /* 0: none */
    int64_t unit_id;
    uint16_t area;  /* index into map.areas */
    uint16_t cat;   /* index into map.cats */
    uint8_t state;  /* enum case_state; ST_NONE: no case in this slot */
    uint8_t level;  /* index into level_names, NO_LEVEL if unknown */
    uint8_t placed; /* has a position */
};

/*
 * A column of whole numbers that nearly always fit in 32 bits (instants
 * in seconds until 2106, unit ids): kept in 32 bits until a value does
 * not fit, then widened to 64 bits for good, so that no value is ever
 * cut.
 */
struct wcol {
    uint32_t *narrow;
    int64_t *wide;
};

/* The flags byte of a slot: the state, the level, whether placed. */
#define F_STATE(f)  ((f)&0x0f)
#define F_LEVEL(f)  (((f) >> 4) & 0x07)
#define F_PLACED(f) (((f) >> 7) & 0x01)

struct marea {
    char code[CODE_LEN];
    char path[PATH_LEN];
    char name[NAME_LEN];
    int level;
    bool has_mid;
    double mid_lon, mid_lat;
};

struct mcat {
    char code[16];
};

/*
 * The process-wide copy; the server opens one database.  A million cases
 * are most of the server's memory, so each field is a column of its own
 * in the smallest type that holds it: no padding between fields, the
 * instants the database holds, and positions to the centimetre (FIXED),
 * which is 8 MB less than doubles and the same on any screen.
 */
static struct {
    pthread_mutex_t lock;
    bool loaded;
    size_t cap;         /* slots allocated, indexed by case id */
    int32_t *lon, *lat; /* its own point, else its area's middle (FIXED) */
    struct wcol rep;    /* reported_at */
    struct wcol due;    /* due_at, 0: none */
    struct wcol unit;   /* unit_id, 0: none */
    uint16_t *area;     /* index into map.areas */
    uint16_t *cat;      /* index into map.cats */
    uint8_t *flags;     /* F_STATE 0 (ST_NONE): no case in this slot */
    int64_t max_case;   /* highest case id read */
    int64_t max_event;  /* highest event id read */
    struct marea *areas;
    size_t nareas;
    struct mcat *cats;
    size_t ncats;
} map = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const char *const level_names[NO_LEVEL] = {"emergency", "utility",
                                                  "general", "complex"};

static int cmp_area(const void *a, const void *b);
static int cmp_cat(const void *a, const void *b);
static int load_dictionaries(struct db *db);
static long find_area(const char *code);
static long find_cat(const char *code);
static int64_t col_get(const struct wcol *c, size_t i);
static int col_set(struct wcol *c, size_t i, int64_t v);
static int col_grow(struct wcol *c, size_t want);
static void *grow_array(void *a, size_t size, size_t want);
static int grow(int64_t id, size_t spare);
static void clear(void);
static void store_point(size_t id, const struct mpoint *p);
static bool point_at(size_t id, struct mpoint *p);
static int read_cases(struct db *db, const char *sql, int64_t after,
                      bool *unknown);
static int refresh(struct db *db);
static int bucket_of(const struct mpoint *p, int64_t now);
static bool *area_mask(const char *path);
static bool *cat_mask(const char *prefix);
static bool visible(const struct mpoint *p, const struct map_query *q,
                    const bool *amask, const bool *cmask);
static void position(const struct mpoint *p, const struct map_query *q,
                     double *lon, double *lat);
static json_t *clusters(const struct map_query *q, const bool *amask,
                        const bool *cmask);
static json_t *points(const struct map_query *q, const bool *amask,
                      const bool *cmask);
static long ancestor_at(const char *path, int level, char *code, size_t len);

static int
cmp_area(const void *a, const void *b)
{
    return strcmp(((const struct marea *)a)->code,
                  ((const struct marea *)b)->code);
}

static int
cmp_cat(const void *a, const void *b)
{
    return strcmp(((const struct mcat *)a)->code,
                  ((const struct mcat *)b)->code);
}

/* Reads every area and category; cases refer to them by index. */
static int
load_dictionaries(struct db *db)
{
    struct db_stmt *st;
    size_t n = 0, cap = 1024;
    int rc;

    free(map.areas);
    free(map.cats);
    map.areas = calloc(cap, sizeof(*map.areas));
    map.nareas = map.ncats = 0;
    map.cats = NULL;
    if (!map.areas)
        return CG_ENOMEM;
    rc = db_prepare(db,
                    "SELECT code, path, name, level, (min_lon + max_lon) / 2,"
                    " (min_lat + max_lat) / 2 FROM areas ORDER BY code",
                    &st);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct marea *a;
        if (n == cap) {
            struct marea *m = realloc(map.areas, 2 * cap * sizeof(*m));
            if (!m) {
                rc = CG_ENOMEM;
                break;
            }
            map.areas = m;
            cap *= 2;
        }
        a = &map.areas[n++];
        str_copy(a->code, sizeof(a->code), db_col_text(st, 0));
        str_copy(a->path, sizeof(a->path), db_col_text(st, 1));
        str_copy(a->name, sizeof(a->name), db_col_text(st, 2));
        a->level = (int)db_col_int(st, 3);
        a->has_mid = !db_col_null(st, 4);
        a->mid_lon = db_col_double(st, 4);
        a->mid_lat = db_col_double(st, 5);
    }
    db_finalize(st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : CG_EDB;
    map.nareas = n;
    /* The database and C may order codes differently; sort in C. */
    qsort(map.areas, n, sizeof(*map.areas), cmp_area);

    n = 0;
    cap = 256;
    map.cats = calloc(cap, sizeof(*map.cats));
    if (!map.cats)
        return CG_ENOMEM;
    rc = db_prepare(db, "SELECT code FROM categories", &st);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            struct mcat *m = realloc(map.cats, 2 * cap * sizeof(*m));
            if (!m) {
                rc = CG_ENOMEM;
                break;
            }
            map.cats = m;
            cap *= 2;
        }
        str_copy(map.cats[n++].code, sizeof(map.cats[0].code),
                 db_col_text(st, 0));
    }
    db_finalize(st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : CG_EDB;
    map.ncats = n;
    qsort(map.cats, n, sizeof(*map.cats), cmp_cat);
    if (map.nareas > UINT16_MAX || map.ncats > UINT16_MAX) {
        log_error("msg=\"too many areas or categories for the map\""
                  " areas=%zu categories=%zu",
                  map.nareas, map.ncats);
        return CG_ETOOBIG;
    }
    return CG_OK;
}

static long
find_area(const char *code)
{
    struct marea key, *a;

    if (!code)
        return -1;
    str_copy(key.code, sizeof(key.code), code);
    a = bsearch(&key, map.areas, map.nareas, sizeof(*a), cmp_area);
    return a ? a - map.areas : -1;
}

static long
find_cat(const char *code)
{
    struct mcat key, *c;

    if (!code)
        return -1;
    str_copy(key.code, sizeof(key.code), code);
    c = bsearch(&key, map.cats, map.ncats, sizeof(*c), cmp_cat);
    return c ? c - map.cats : -1;
}

static int64_t
col_get(const struct wcol *c, size_t i)
{
    return c->wide ? c->wide[i] : (int64_t)c->narrow[i];
}

/* Widens the column the first time a value does not fit in 32 bits. */
static int
col_set(struct wcol *c, size_t i, int64_t v)
{
    size_t k;

    if (!c->wide && (v < 0 || v > (int64_t)UINT32_MAX)) {
        int64_t *w = malloc(map.cap * sizeof(*w));
        if (!w)
            return CG_ENOMEM;
        for (k = 0; k < map.cap; k++)
            w[k] = c->narrow[k];
        free(c->narrow);
        c->narrow = NULL;
        c->wide = w;
    }
    if (c->wide)
        c->wide[i] = v;
    else
        c->narrow[i] = (uint32_t)v;
    return CG_OK;
}

/* Reallocates a to want elements of size bytes, the new ones zero; NULL
 * (and a untouched) when memory is short. */
static void *
grow_array(void *a, size_t size, size_t want)
{
    char *p = realloc(a, want * size);

    if (p)
        memset(p + map.cap * size, 0, (want - map.cap) * size);
    return p;
}

static int
col_grow(struct wcol *c, size_t want)
{
    void *p;

    if (c->wide) {
        if (!(p = grow_array(c->wide, sizeof(*c->wide), want)))
            return CG_ENOMEM;
        c->wide = p;
    } else {
        if (!(p = grow_array(c->narrow, sizeof(*c->narrow), want)))
            return CG_ENOMEM;
        c->narrow = p;
    }
    return CG_OK;
}

/* Makes room for slot id and `spare` more; slots are zero, i.e. empty,
 * until read. */
static int
grow(int64_t id, size_t spare)
{
    size_t want;
    void *p;

    if (id < 0)
        return CG_EINVAL;
    if ((size_t)id < map.cap)
        return CG_OK;
    want = (size_t)id + 1 + spare;
#define GROW(field)                                                            \
    do {                                                                       \
        if (!(p = grow_array(map.field, sizeof(*map.field), want)))            \
            return CG_ENOMEM;                                                  \
        map.field = p;                                                         \
    } while (0)
    GROW(lon);
    GROW(lat);
    GROW(area);
    GROW(cat);
    GROW(flags);
#undef GROW
    if (col_grow(&map.rep, want) != CG_OK ||
        col_grow(&map.due, want) != CG_OK || col_grow(&map.unit, want) != CG_OK)
        return CG_ENOMEM;
    map.cap = want;
    return CG_OK;
}

/* Empties every slot. */
static void
clear(void)
{
    memset(map.flags, 0, map.cap * sizeof(*map.flags));
}

/* A coordinate in whole units of FIXED degrees: about a centimetre on
 * the ground, finer than any map draws and half the memory of a double. */
static int32_t
to_fixed(double deg)
{
    /* A case's own point is on the globe (read_cases); an area's middle
     * too, unless its outline was written wrong by hand. */
    if (!(fabs(deg) <= 180.0))
        return 0;
    return (int32_t)lround(deg * FIXED);
}

static void
store_point(size_t id, const struct mpoint *p)
{
    map.lon[id] = to_fixed(p->lon);
    map.lat[id] = to_fixed(p->lat);
    map.area[id] = p->area;
    map.cat[id] = p->cat;
    map.flags[id] = (uint8_t)(p->state | p->level << 4 | p->placed << 7);
}

/* Slot id as a point; false when it holds no case. */
static bool
point_at(size_t id, struct mpoint *p)
{
    uint8_t f = map.flags[id];

    if (!F_STATE(f))
        return false;
    p->state = F_STATE(f);
    p->level = F_LEVEL(f);
    p->placed = F_PLACED(f);
    p->lon = map.lon[id] / FIXED;
    p->lat = map.lat[id] / FIXED;
    p->area = map.area[id];
    p->cat = map.cat[id];
    p->reported_at = col_get(&map.rep, id);
    p->due_at = col_get(&map.due, id);
    p->unit_id = col_get(&map.unit, id);
    return true;
}

#define CASE_MAP_COLS                                                          \
    "SELECT id, lon, lat, state, category_code, area_code, level, unit_id,"    \
    " reported_at, due_at FROM cases"

/* Reads the cases sql selects (one parameter, `after`) into their slots.
 * *unknown is set when a case names an area or category the dictionaries
 * do not have yet. */
static int
read_cases(struct db *db, const char *sql, int64_t after, bool *unknown)
{
    struct db_stmt *st;
    int rc, i;

    if ((rc = db_prepare(db, sql, &st)) != CG_OK)
        return rc;
    db_bind_int(st, 1, after);
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_int(st, 0);
        enum case_state s = ST_NONE;
        long area = find_area(db_col_text(st, 5));
        long cat = find_cat(db_col_text(st, 4));
        const char *lv = db_col_text(st, 6);
        struct mpoint pt, *p = &pt;

        if (area < 0 || cat < 0) {
            *unknown = true;
            continue;
        }
        /* The ids are dense: a sixteenth to spare, not twice as many,
         * which at a million cases would be as many empty slots. */
        if ((rc = grow(id, (size_t)id / 16 + 1024)) != CG_OK)
            break;
        memset(p, 0, sizeof(*p));
        case_state_parse(db_col_text(st, 3), &s);
        p->state = (uint8_t)s;
        p->area = (uint16_t)area;
        p->cat = (uint16_t)cat;
        p->level = NO_LEVEL;
        for (i = 0; lv && i < NO_LEVEL; i++)
            if (strcmp(lv, level_names[i]) == 0)
                p->level = (uint8_t)i;
        p->unit_id = db_col_null(st, 7) ? 0 : db_col_int(st, 7);
        p->reported_at = db_col_int(st, 8);
        p->due_at = db_col_null(st, 9) ? 0 : db_col_int(st, 9);
        /* A point on the globe, else (a row written by hand) none. */
        if (!db_col_null(st, 1) && !db_col_null(st, 2) &&
            fabs(db_col_double(st, 1)) <= 180.0 &&
            fabs(db_col_double(st, 2)) <= 90.0) {
            p->lon = db_col_double(st, 1);
            p->lat = db_col_double(st, 2);
            p->placed = 1;
        } else {
            p->lon = map.areas[area].mid_lon;
            p->lat = map.areas[area].mid_lat;
            p->placed = map.areas[area].has_mid;
        }
        store_point((size_t)id, p);
        if ((rc = col_set(&map.rep, (size_t)id, p->reported_at)) != CG_OK ||
            (rc = col_set(&map.due, (size_t)id, p->due_at)) != CG_OK ||
            (rc = col_set(&map.unit, (size_t)id, p->unit_id)) != CG_OK)
            break;
        if (id > map.max_case)
            map.max_case = id;
    }
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc < 0 ? rc : CG_EDB;
}

/* Brings the copy up to date with the database; called with the lock. */
static int
refresh(struct db *db)
{
    int64_t max_event = 0, max_case = map.max_case, top = 0;
    bool unknown = false;
    int rc;

    if ((rc = db_scalar_int(db, 0, &max_event,
                            "SELECT COALESCE(MAX(id), 0) FROM events", NULL)) !=
        CG_OK)
        return rc;
    db_scalar_int(db, 0, &top, "SELECT COALESCE(MAX(id), 0) FROM cases", NULL);
    if (map.loaded && max_event == map.max_event && top == map.max_case)
        return CG_OK;
    if (!map.loaded && (rc = load_dictionaries(db)) != CG_OK)
        return rc;
    /* Room for every case at once, rather than growth by steps that
     * would leave slots to spare. */
    if (top > map.max_case && (rc = grow(top, 1024)) != CG_OK)
        return rc;
    rc = read_cases(db, CASE_MAP_COLS " WHERE id > ?", max_case, &unknown);
    if (rc == CG_OK && map.loaded)
        rc = read_cases(db,
                        CASE_MAP_COLS " WHERE id IN (SELECT case_id FROM"
                                      " events WHERE id > ?)",
                        map.max_event, &unknown);
    if (rc != CG_OK)
        return rc;
    map.max_event = max_event;
    map.loaded = true;
    if (unknown) {
        /* A new area or category: read everything again, once. */
        if ((rc = load_dictionaries(db)) != CG_OK)
            return rc;
        clear();
        map.max_case = 0;
        unknown = false;
        rc = read_cases(db, CASE_MAP_COLS " WHERE id > ?", 0, &unknown);
    }
    return rc;
}

/* Open (in time), overdue or closed (closed or rejected); -1 when the
 * case is not on the map at all (withdrawn, merged, not yet reported). */
static int
bucket_of(const struct mpoint *p, int64_t now)
{
    enum case_state s = (enum case_state)p->state;

    if (s == ST_NONE || s == ST_WITHDRAWN || s == ST_MERGED)
        return -1;
    if (s == ST_CLOSED || s == ST_REJECTED)
        return MAP_CLOSED;
    return p->due_at && p->due_at < now ? MAP_OVERDUE : MAP_OPEN;
}

/* Which areas lie under path (all when path is NULL); caller frees. */
static bool *
area_mask(const char *path)
{
    bool *m = calloc(map.nareas + 1, sizeof(*m));
    size_t i;

    if (!m)
        return NULL;
    for (i = 0; i < map.nareas; i++)
        m[i] = !path || str_has_prefix(map.areas[i].path, path);
    return m;
}

/* Which categories start with prefix (all when NULL); caller frees. */
static bool *
cat_mask(const char *prefix)
{
    bool *m = calloc(map.ncats + 1, sizeof(*m));
    size_t i;

    if (!m)
        return NULL;
    for (i = 0; i < map.ncats; i++)
        m[i] = !prefix || str_has_prefix(map.cats[i].code, prefix);
    return m;
}

static bool
visible(const struct mpoint *p, const struct map_query *q, const bool *amask,
        const bool *cmask)
{
    int b;

    if (!p->placed || !amask[p->area] || !cmask[p->cat])
        return false;
    if ((b = bucket_of(p, q->now)) < 0)
        return false;
    if (q->bucket != MAP_ANY && b != q->bucket)
        return false;
    if (q->state >= 0 && p->state != q->state)
        return false;
    if (q->level >= 0 && p->level != q->level)
        return false;
    if (q->unit_id && p->unit_id != q->unit_id)
        return false;
    if ((q->from && p->reported_at < q->from) ||
        (q->to && p->reported_at >= q->to))
        return false;
    return true;
}

/* Where the map draws the case: rounded to 0.001 degree (about 100 m)
 * for a viewer who sees cases anonymised. */
static void
position(const struct mpoint *p, const struct map_query *q, double *lon,
         double *lat)
{
    *lon = p->lon;
    *lat = p->lat;
    if (q->anonymous) {
        *lon = round(*lon * 1000) / 1000;
        *lat = round(*lat * 1000) / 1000;
    }
}

struct mcell {
    long n[3];
    double sum_lon, sum_lat;
};

/* Counts per screen cell: cells of q->cell_lon x q->cell_lat degrees
 * laid from the bbox's south-west corner. */
static json_t *
clusters(const struct map_query *q, const bool *amask, const bool *cmask)
{
    long nx = (long)ceil((q->bbox[2] - q->bbox[0]) / q->cell_lon);
    long ny = (long)ceil((q->bbox[3] - q->bbox[1]) / q->cell_lat);
    struct mcell *cells;
    json_t *arr;
    long total = 0, ix, iy;
    size_t id;

    if (nx < 1)
        nx = 1;
    if (ny < 1)
        ny = 1;
    cells = calloc((size_t)(nx * ny), sizeof(*cells));
    if (!cells)
        return NULL;
    for (id = 0; id < map.cap; id++) {
        struct mpoint pt, *p = &pt;
        double lon, lat;
        struct mcell *c;

        if (!point_at(id, p) || !visible(p, q, amask, cmask))
            continue;
        position(p, q, &lon, &lat);
        if (lon < q->bbox[0] || lon > q->bbox[2] || lat < q->bbox[1] ||
            lat > q->bbox[3])
            continue;
        ix = (long)((lon - q->bbox[0]) / q->cell_lon);
        iy = (long)((lat - q->bbox[1]) / q->cell_lat);
        ix = ix >= nx ? nx - 1 : ix;
        iy = iy >= ny ? ny - 1 : iy;
        c = &cells[iy * nx + ix];
        c->n[bucket_of(p, q->now)]++;
        c->sum_lon += lon;
        c->sum_lat += lat;
    }
    arr = json_array();
    for (iy = 0; iy < ny; iy++)
        for (ix = 0; ix < nx; ix++) {
            struct mcell *c = &cells[iy * nx + ix];
            long n = c->n[0] + c->n[1] + c->n[2];
            if (!n)
                continue;
            total += n;
            json_array_append_new(
                arr,
                json_pack("{s:f, s:f, s:i, s:i, s:i, s:i, s:[i,i]}", "lon",
                          c->sum_lon / n, "lat", c->sum_lat / n, "count",
                          (int)n, "open", (int)c->n[MAP_OPEN], "overdue",
                          (int)c->n[MAP_OVERDUE], "closed",
                          (int)c->n[MAP_CLOSED], "cell", (int)ix, (int)iy));
        }
    free(cells);
    return json_pack("{s:s, s:o, s:I, s:b}", "mode", "clusters", "clusters",
                     arr, "total", (json_int_t)total, "truncated", 0);
}

/* The cases themselves, at most q->max_items of them, newest first. */
static json_t *
points(const struct map_query *q, const bool *amask, const bool *cmask)
{
    json_t *arr = json_array();
    long total = 0;
    size_t id;

    for (id = map.cap; id-- > 0;) {
        struct mpoint pt, *p = &pt;
        double lon, lat;
        int b;

        if (!point_at(id, p) || !visible(p, q, amask, cmask))
            continue;
        position(p, q, &lon, &lat);
        if (lon < q->bbox[0] || lon > q->bbox[2] || lat < q->bbox[1] ||
            lat > q->bbox[3])
            continue;
        total++;
        if (json_array_size(arr) >= q->max_items)
            continue;
        b = bucket_of(p, q->now);
        json_array_append_new(
            arr,
            json_pack("{s:I, s:f, s:f, s:s, s:b, s:s, s:s}", "id",
                      (json_int_t)id, "lon", lon, "lat", lat, "state",
                      case_state_name((enum case_state)p->state), "overdue",
                      b == MAP_OVERDUE, "category", map.cats[p->cat].code,
                      "level",
                      p->level < NO_LEVEL ? level_names[p->level] : "general"));
    }
    return json_pack("{s:s, s:o, s:I, s:b}", "mode", "cases", "cases", arr,
                     "total", (json_int_t)total, "truncated",
                     (size_t)total > json_array_size(arr));
}

int
map_level_parse(const char *s, int *out)
{
    int i;

    for (i = 0; i < NO_LEVEL; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = i;
            return CG_OK;
        }
    return CG_EINVAL;
}

int
store_map_query(struct db *db, const struct map_query *q, json_t **out)
{
    bool *amask = NULL, *cmask = NULL;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&map.lock);
    if ((rc = refresh(db)) != CG_OK)
        goto out;
    amask = area_mask(q->area_path);
    cmask = cat_mask(q->category);
    if (!amask || !cmask) {
        rc = CG_ENOMEM;
        goto out;
    }
    *out =
        q->cell_lon > 0 ? clusters(q, amask, cmask) : points(q, amask, cmask);
    rc = *out ? CG_OK : CG_ENOMEM;
out:
    pthread_mutex_unlock(&map.lock);
    free(amask);
    free(cmask);
    return rc;
}

/* The path segment of depth `level` ("/150100/150103/..." has the city
 * at 0), i.e. the code of the area's ancestor at that level. */
static long
ancestor_at(const char *path, int level, char *code, size_t len)
{
    const char *s = path;
    int depth = -1;

    while (*s) {
        const char *e;
        if (*s == '/') {
            s++;
            continue;
        }
        e = strchr(s, '/');
        if (!e)
            break;
        if (++depth == level) {
            size_t n = (size_t)(e - s);
            if (n + 1 > len)
                return -1;
            memcpy(code, s, n);
            code[n] = '\0';
            return find_area(code);
        }
        s = e;
    }
    return -1;
}

int
store_map_areas(struct db *db, const struct map_query *q, int level,
                const char *within_path, json_t **out)
{
    struct metric_counts *counts = NULL;
    long *group = NULL;
    bool *amask = NULL, *cmask = NULL;
    char code[CODE_LEN];
    json_t *arr;
    size_t i;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&map.lock);
    if ((rc = refresh(db)) != CG_OK)
        goto out;
    counts = calloc(map.nareas + 1, sizeof(*counts));
    group = calloc(map.nareas + 1, sizeof(*group));
    amask = area_mask(q->area_path);
    cmask = cat_mask(q->category);
    if (!counts || !group || !amask || !cmask) {
        rc = CG_ENOMEM;
        goto out;
    }
    /* Each area's ancestor at the level asked for, once per area. */
    for (i = 0; i < map.nareas; i++)
        group[i] =
            map.areas[i].level < level
                ? -1
                : ancestor_at(map.areas[i].path, level, code, sizeof(code));
    for (i = 0; i < map.cap; i++) {
        struct mpoint pt, *p = &pt;
        struct metric_counts *c;
        long g;
        if (!point_at(i, p) || !visible(p, q, amask, cmask) ||
            (g = group[p->area]) < 0)
            continue;
        c = &counts[g];
        c->reported++;
        switch (bucket_of(p, q->now)) {
        case MAP_CLOSED:
            if (p->state == ST_CLOSED)
                c->closed++;
            else
                c->rejected++;
            break;
        case MAP_OVERDUE:
            c->overdue++;
            c->open++;
            break;
        default:
            c->open++;
        }
    }
    arr = json_array();
    for (i = 0; i < map.nareas; i++) {
        const struct marea *a = &map.areas[i];
        struct metric m[METRICS_MAX];
        size_t n, k;
        json_t *rate = json_null();

        if (a->level != level ||
            (within_path && !str_has_prefix(a->path, within_path)))
            continue;
        n = metrics_compute(&counts[i], m);
        for (k = 0; k < n; k++)
            if (strcmp(m[k].key, "closure_rate") == 0 && m[k].has_value)
                rate = json_real(m[k].value);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:o}", "code",
                           a->code, "name", a->name, "cases",
                           (int)counts[i].reported, "open", (int)counts[i].open,
                           "overdue", (int)counts[i].overdue, "closed",
                           (int)counts[i].closed, "rejected",
                           (int)counts[i].rejected, "closure_rate", rate));
    }
    *out = arr;
out:
    pthread_mutex_unlock(&map.lock);
    free(counts);
    free(group);
    free(amask);
    free(cmask);
    return rc;
}

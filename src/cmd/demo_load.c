/*
 * demo_load.c - `civicgrid demo --cases N`: a city's worth of cases on
 * top of the demo city, for trying the platform at scale and for the
 * benchmarks.
 *
 * A million cases cannot go through casework one by one (each report
 * and each step prepares and runs a dozen statements), so they are
 * written in bulk: one transaction, and for each table a prepared
 * statement of many rows reused for every batch.  Into SQLite, when the
 * city has fewer cases than are added, the indexes are built afterwards
 * rather than kept up to date row by row (set_aside).  Nothing is taken on
 * trust, though: every step of every case is judged by the lifecycle
 * table before it is written, the owner and the deadline come from the
 * same routing and calendar casework uses (worked out once per category
 * and grid), and the case row is built by applying the events in order
 * exactly as the store applies them, so a case's state, version,
 * deadline, unit and rating are the replay of its history.
 *
 * The mix follows a service center's published year: of the reports that
 * were not withdrawn about 96% closed, 3% open in every state, a few
 * rejected; about 14% of all were withdrawn.  The texts are real citizen
 * messages when the shared data is at hand (clipped to a few sentences),
 * and the demo's own sample cases otherwise.  Cases are reported over the
 * past year, the newest ones more often still open, and most are closed
 * within their deadline (fit_deadline).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/demo_city.h"
#include "cmd/demo_rollup.h"
#include "cmd/demo_side.h"

#define LOAD_SEED  0x6c6f6164636173ULL
#define DAY        (24 * 3600)
#define SPAN_DAYS  365
#define MAX_EV     16
#define MAX_CSV    (64u * 1024 * 1024)
#define MAX_FIELDS 16
#define DESC_CHARS 60 /* a description is cut to its first sentences */
#define NOTE_CHARS 200
#define HOTLINE    "20"
#define FALLBACK   "20801" /* 城乡建设, the board's largest class */
#define NELEM(a)   (sizeof(a) / sizeof((a)[0]))
#define BATCH      1024   /* cases made before they are written */
#define MAX_PARAMS 30000  /* in one statement; SQLite takes 32,766 */
#define STAGE      100000 /* cases staged before they are moved */
#define MAX_SIDES  4      /* text indexes built alongside; more in place */

#define CASE_COLS                                                              \
    "city_code, title, description, category_code, area_code, area_path,"      \
    " lon, lat, address, level, level_reason, channel, state, unit_id,"        \
    " route_reason, reporter_id, reporter_name, reporter_phone, reported_at,"  \
    " due_at, closed_at, rating, escalated, handled, reworked, version,"       \
    " updated_at, stat_state, stat_due_at, stat_closed_at, stat_rating,"       \
    " stat_handled, stat_reworked"
#define EVENT_COLS                                                             \
    "city_code, case_id, seq, at, actor_id, actor_role, action, from_state,"   \
    " to_state, note, unit_id, rating, due_at, days"

/* What the cases end as, per 10,000: the published year had 5,058
 * closed, 164 open and 17 rejected of 5,239 reports, and 822 withdrawn
 * counted apart. */
#define MIX_WITHDRAWN 1356
#define MIX_REJECTED  28
/* Of the rest, the share left open: 90% of today's reports, falling by
 * e every 12 days (a third of those of two weeks ago, a twentieth of a
 * month ago), 3% in all.  A queue holds what came in lately, not cases
 * left lying for a year. */
#define OPEN_NOW        9000
#define OPEN_DECAY_DAYS 12.0
/* Of the cases closed, the share closed by their deadline, as the
 * published year's 92-95%; the others a little after it. */
#define ON_TIME 93

enum channel { CH_APP, CH_WEB, CH_HOTLINE, CH_GRID };

enum plan { PLAN_CLOSED, PLAN_SELF, PLAN_OPEN, PLAN_REJECTED, PLAN_WITHDRAWN };

/* A text a case can carry, with its category and level. */
struct tmpl {
    const char *title, *description, *fix;
    size_t cat;
    enum case_level level;
    char *level_reason;
    bool replied; /* a real written reply: closed "by letter" */
};

/* A unit grid, its area with the grade resolved, and its grid worker. */
struct lgrid {
    struct area area;
    char place[NAME_LEN * 3];
    double box[4];
    int64_t worker;
    bool hm; /* in 回民区, whose own supervisor verifies */
};

/* Where a case of a category in a grid goes; worked out at first use. */
struct lroute {
    int64_t unit_id;
    char *why;
};

struct resident {
    int64_t id;
    char name[32];
    char phone[16];
};

/* One step as it will be stored. */
struct gev {
    int64_t id; /* once written */
    enum case_action action;
    int64_t at;
    int64_t actor_id;
    enum role role;
    enum case_state from, to;
    const char *note;
    const char *photo;
    int64_t unit_id, due_at;
    enum rating rating;
    int days;
};

/* A step planned: the action and how long after the previous one, in
 * minutes (turned into instants by fit_times). */
struct pstep {
    enum case_action action;
    int gap;
    const char *note;
    enum demo_photo photo;
    enum rating rating;
    int days;
};

/* A case being made: the row, kept as store_case_apply keeps it. */
struct gcase {
    int64_t id; /* once written */
    const struct tmpl *t;
    struct lgrid *g;
    enum channel ch;
    int64_t reporter_id;
    const char *reporter_name, *reporter_phone;
    char address[NAME_LEN * 4];
    double lon, lat;
    int64_t reported_at;
    int64_t unit_id;
    const char *route_why;
    enum case_state state;
    int64_t version, updated_at, due_at, closed_at;
    enum rating rating;
    bool handled, reworked, escalated;
    /* What the statistics read from the history (stats_sql.h, following
     * the events): the last close, even when reopened since, and the
     * rating of the last rating or reopening. */
    int64_t stat_closed_at;
    enum rating stat_rating;
    struct gev ev[MAX_EV];
    size_t nev;
};

/* The tables written, their columns, and the statements that write
 * them. */
enum { T_CASES, T_EVENTS, T_PHOTOS, NTABLES };

/* With the id each row will have (n) in front, but for the photos,
 * which have their city's code behind when written directly. */
static const int table_cols[NTABLES] = {34, 15, 2};

struct rows {
    int ncols;
    size_t per; /* rows of the big statement */
    struct db_stmt *many, *one;
    int64_t last_id; /* the id given to the last row staged */
};

/* A row to write: a case, or step k of it. */
struct rowref {
    struct gcase *c;
    size_t k;
};

/* What a bulk load sets aside and puts back afterwards. */
struct aside {
    char **sql; /* CREATE statements, in the schema's order */
    size_t nsql;
    char **fts; /* text indexes to rebuild */
    size_t nfts;
    bool stats;     /* the statistics' triggers were set aside */
    size_t nbeside; /* text indexes built alongside (demo_side.c) */
    /* Seconds spent putting back: statistics, the other indexes, then
     * waiting for the text indexes built alongside, copying them in and
     * building the others in place. */
    double secs_stats, secs_rest, secs_wait, secs_copy, secs_text;
};

struct load {
    struct demo d; /* the random numbers and the sample photos */
    struct app *app;
    struct db *db;
    bool quiet;
    int64_t dispatcher, supervisor, hm_supervisor;
    int64_t unit_user[2][64]; /* unit id, a user of it */
    size_t nunit_users;
    struct lgrid *grids;
    size_t ngrids;
    struct category *cats;
    size_t ncats, maxcats;
    struct tmpl *tmpls;
    size_t ntmpls, maxtmpls, nsamples;
    struct lroute *routes; /* ncats * ngrids */
    struct resident *residents;
    size_t nresidents;
    struct demo_csv csv[2];
    struct rows w[NTABLES];
    struct gcase *batch; /* made, not yet written */
    size_t nbatch;
    struct rowref *refs; /* BATCH * MAX_EV */
    int64_t moved;       /* the last case id moved out of the stage */
    long count[ST__COUNT];
    long escalated, rated, reopened;
    struct aside aside;
    struct rollup rollup; /* the statistics' shares, when set aside */
    bool direct;          /* rows written into the tables, not staged */
    /* What builds text index aside.fts[i] alongside, if attached, and
     * whether it has begun to; where not, the index is built in place. */
    struct side *side[MAX_SIDES];
    bool alongside[MAX_SIDES];
};

static int find_user(struct load *L, const char *username, int64_t *id);
static int load_people(struct load *L);
static int load_grids(struct load *L);
static long cat_index(struct load *L, const char *code);
static int add_tmpl(struct load *L, const char *title, const char *desc,
                    const char *fix, const char *category, bool replied);
static void clip_text(char *s, long max_chars);
static const char *class_by_name(const json_t *tree, const char *name);
static int load_messages(struct load *L, const char *shared_data);
static int load_samples(struct load *L);
static int add_people(struct load *L, long n);
static const struct lroute *route_of(struct load *L, const struct tmpl *t,
                                     struct lgrid *g);
static int64_t deadline(struct load *L, const struct tmpl *t,
                        const struct lgrid *g, int64_t from);
static int64_t unit_actor(const struct load *L, int64_t unit_id);
static void actor_for(const struct load *L, const struct gcase *c,
                      enum case_action a, int64_t *id, enum role *role);
static enum plan pick_plan(struct load *L, int64_t age);
static size_t plan_steps(struct load *L, struct gcase *c, enum plan plan,
                         struct pstep *s);
static void fit_deadline(struct load *L, const struct gcase *c, struct pstep *s,
                         size_t n);
static void fit_times(struct load *L, int64_t t0, struct pstep *s, size_t n,
                      int64_t *at);
static int apply(struct load *L, struct gcase *c, const struct pstep *p,
                 int64_t at);
static int make_case(struct load *L, long i, long n);
static void add_share(struct load *L, const struct gcase *c);
static int prepare_rows(struct load *L, const char *head, int ncols,
                        size_t rows, struct db_stmt **out);
static int prepare(struct load *L);
static void bind_case(struct load *L, struct db_stmt *st, int i,
                      const struct gcase *c);
static void bind_event(struct load *L, struct db_stmt *st, int i,
                       const struct gcase *c, size_t k);
static int write_rows(struct load *L, int t, struct rowref *row, size_t n);
static int move(struct load *L);
static int hand_over(struct load *L);
static int flush(struct load *L);
static void finish(struct load *L);
static bool is_sqlite(const char *url);
static const char *next_word(const char *p, char *word, size_t len);
static bool word_in(const char *word, char *const *names, size_t n);
static bool trigger_rebuildable(const char *sql, char *const *fts, size_t nfts,
                                bool *on_insert);
static int aside_add(char ***list, size_t *n, const char *s);
static int set_aside(struct load *L);
static int text_indexes(struct load *L);
static int put_back(struct load *L);
static double seconds_since(struct timespec *t);
static void aside_free(struct aside *a);
static void print_phases(const struct aside *a);
static void journal_set(struct db *db, const char *mode, char *was, size_t len);

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
    "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢",
    "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅",
    "乌", "云", "包", "白", "苏", "齐", "杜", "任", "石", "贾", "田", "武",
};

static const char *const extend_notes[] = {
    "需协调施工单位和物业共同处置，申请延期。",
    "涉及管线改造，需等待材料到位，申请延期。",
    "现场情况复杂，需多部门联合处置，申请延期。",
};

static const char *const return_notes[] = {
    "该事项不属于本单位职责范围，请重新派遣。",
    "位置信息有误，现场未找到，请核实后重新派遣。",
};

static const enum demo_photo report_photos[] = {
    PH_SCENE, PH_WASTE, PH_TILE_BROKEN, PH_TREE_PITS, PH_SCENE, PH_SCENE,
};

static const enum demo_photo fixed_photos[] = {
    PH_FIXED,
    PH_TILE_FIXED,
    PH_TREE_PITS_CLEARED,
    PH_FIXED,
};

static int
find_user(struct load *L, const char *username, int64_t *id)
{
    struct user u;
    int rc = store_user_by_name(L->db, username, &u, NULL, 0);

    if (rc == CG_OK)
        *id = u.id;
    return rc;
}

/* The demo's staff, and a user for each unit that has one. */
static int
load_people(struct load *L)
{
    struct db_stmt *st;
    int rc;

    if ((rc = find_user(L, "dispatcher", &L->dispatcher)) != CG_OK ||
        (rc = find_user(L, "supervisor", &L->supervisor)) != CG_OK ||
        (rc = find_user(L, "hm-supervisor", &L->hm_supervisor)) != CG_OK) {
        fprintf(stderr, "demo: the demo staff are missing; build the demo "
                        "city first\n");
        return rc;
    }
    rc = db_prepare(L->db,
                    "SELECT unit_id, MIN(id) FROM users WHERE unit_id IS NOT"
                    " NULL GROUP BY unit_id ORDER BY unit_id",
                    &st);
    if (rc != CG_OK)
        return rc;
    while (db_step(st) == DB_ROW && L->nunit_users < NELEM(L->unit_user[0])) {
        L->unit_user[0][L->nunit_users] = db_col_int(st, 0);
        L->unit_user[1][L->nunit_users++] = db_col_int(st, 1);
    }
    db_finalize(st);
    return CG_OK;
}

/* The unit grids with their street and community names and outlines. */
static int
load_grids(struct load *L)
{
    struct db_stmt *st;
    size_t cap = 1024;
    int rc;

    L->grids = calloc(cap, sizeof(*L->grids));
    if (!L->grids)
        return CG_ENOMEM;
    rc = db_prepare(L->db,
                    "SELECT g.code, d.name, s.name, c.name, g.min_lon,"
                    " g.min_lat, g.max_lon, g.max_lat FROM areas g"
                    " JOIN areas c ON c.code = g.parent"
                    " JOIN areas s ON s.code = c.parent"
                    " JOIN areas d ON d.code = s.parent"
                    " WHERE g.level = 4 AND g.min_lon IS NOT NULL"
                    " ORDER BY g.code",
                    &st);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW && L->ngrids < cap) {
        struct lgrid *g = &L->grids[L->ngrids++];

        str_copy(g->area.code, sizeof(g->area.code), db_col_text(st, 0));
        str_fmt(g->place, sizeof(g->place), "%s%s%s", db_col_text(st, 1),
                db_col_text(st, 2), db_col_text(st, 3));
        g->box[0] = db_col_double(st, 4);
        g->box[1] = db_col_double(st, 5);
        g->box[2] = db_col_double(st, 6);
        g->box[3] = db_col_double(st, 7);
    }
    db_finalize(st);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < L->ngrids; i++) {
        struct lgrid *g = &L->grids[i];

        if ((rc = store_area_get(L->db, g->area.code, &g->area)) != CG_OK)
            return rc;
        /* Resolved once here, so that routing and deadlines need not
         * climb the area tree for every case. */
        g->area.grade = store_area_grade(L->db, &g->area);
        g->hm = str_has_prefix(g->area.code, DEMO_DISTRICT);
    }
    return L->ngrids ? CG_OK : CG_ENOTFOUND;
}

static long
cat_index(struct load *L, const char *code)
{
    struct category *grown;
    size_t i;

    for (i = 0; i < L->ncats; i++)
        if (strcmp(L->cats[i].code, code) == 0)
            return (long)i;
    if (L->ncats == L->maxcats) {
        L->maxcats = L->maxcats ? 2 * L->maxcats : 64;
        grown = realloc(L->cats, L->maxcats * sizeof(*L->cats));
        if (!grown)
            return -1;
        L->cats = grown;
    }
    if (store_category_get(L->db, code, &L->cats[L->ncats]) != CG_OK ||
        !L->cats[L->ncats].parent[0]) {
        fprintf(stderr, "demo: there is no small class %s\n", code);
        return -1;
    }
    return (long)L->ncats++;
}

static int
add_tmpl(struct load *L, const char *title, const char *desc, const char *fix,
         const char *category, bool replied)
{
    struct level_decision ld;
    struct tmpl *t, *grown;
    long k = cat_index(L, category);

    if (k < 0)
        return CG_EINVAL;
    if (L->ntmpls == L->maxtmpls) {
        L->maxtmpls = L->maxtmpls ? 2 * L->maxtmpls : 256;
        grown = realloc(L->tmpls, L->maxtmpls * sizeof(*L->tmpls));
        if (!grown)
            return CG_ENOMEM;
        L->tmpls = grown;
    }
    t = &L->tmpls[L->ntmpls];
    memset(t, 0, sizeof(*t));
    t->title = title;
    t->description = desc;
    t->fix = fix;
    t->cat = (size_t)k;
    t->replied = replied;
    casework_level(&L->cats[k], title, desc, &ld);
    t->level = ld.level;
    t->level_reason = strdup(ld.reason);
    if (!t->level_reason)
        return CG_ENOMEM;
    L->ntmpls++;
    return CG_OK;
}

/* Cuts s to its sentences that fit in max_chars characters, or at
 * max_chars when the first sentence alone is longer. */
static void
clip_text(char *s, long max_chars)
{
    static const char *const ends[] = {"。", "！", "？", "；"};
    size_t i, cut = 0, j;
    long chars = 0;

    for (i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        if (chars++ == max_chars) {
            s[cut ? cut : i] = '\0';
            return;
        }
        for (j = 0; j < NELEM(ends); j++)
            if (strncmp(s + i, ends[j], 3) == 0 && chars > 20)
                cut = i + 3;
    }
}

static const char *
class_by_name(const json_t *tree, const char *name)
{
    const json_t *big, *small;
    size_t i, j;

    json_array_foreach(tree, i, big)
    {
        if (strcmp(json_string_value(json_object_get(big, "code")), HOTLINE))
            continue;
        json_array_foreach(json_object_get(big, "children"), j, small)
        {
            if (strcmp(json_string_value(json_object_get(small, "name")),
                       name) == 0)
                return json_string_value(json_object_get(small, "code"));
        }
    }
    return NULL;
}

/* The real messages: labelled ones under their hotline class, answered
 * ones under the class the platform suggests, with the reply as what was
 * done.  Both files are optional. */
static int
load_messages(struct load *L, const char *shared_data)
{
    static const char *const names[2] = {"messages-train.csv", "replies.csv"};
    char *f[MAX_FIELDS], path[600];
    json_t *tree = store_category_tree(L->db);
    struct cw_suggest sug;
    int rc = CG_OK, col[6];
    size_t n, i, c;

    for (i = 0; i < 2 && rc == CG_OK; i++) {
        str_fmt(path, sizeof(path), "%s/complaints/%s",
                shared_data ? shared_data : ".", names[i]);
        if (access(path, R_OK) != 0 ||
            demo_csv_open(&L->csv[i], path, MAX_CSV) != CG_OK)
            continue;
        /* id, subject, time, detail, then category or reply. */
        if (demo_csv_next(&L->csv[i], f, MAX_FIELDS, &n) != CG_OK)
            continue;
        for (c = 0; c < 6; c++)
            col[c] = -1;
        for (c = 0; c < n; c++) {
            if (strcmp(f[c], "subject") == 0)
                col[0] = (int)c;
            else if (strcmp(f[c], "detail") == 0)
                col[1] = (int)c;
            else if (strcmp(f[c], "category") == 0)
                col[2] = (int)c;
            else if (strcmp(f[c], "reply") == 0)
                col[3] = (int)c;
        }
        if (col[0] < 0 || col[1] < 0 || (col[2] < 0 && col[3] < 0))
            continue;
        while (rc == CG_OK &&
               demo_csv_next(&L->csv[i], f, MAX_FIELDS, &n) == CG_OK) {
            const char *cat = NULL, *title = f[col[0]];
            char *desc = f[col[1]],
                 *reply = col[3] >= 0 && (size_t)col[3] < n ? f[col[3]] : NULL;

            if ((size_t)col[0] >= n || (size_t)col[1] >= n || !*title)
                continue;
            clip_text(desc, DESC_CHARS);
            if (!*desc)
                desc = (char *)title;
            if (col[2] >= 0 && (size_t)col[2] < n)
                cat = class_by_name(tree, f[col[2]]);
            if (!cat && reply) {
                casework_suggest(L->app, title, desc, &sug);
                if (sug.n > 0 && cat_index(L, sug.top[0].code) >= 0)
                    cat = L->cats[cat_index(L, sug.top[0].code)].code;
            }
            if (reply && *reply)
                clip_text(reply, NOTE_CHARS);
            rc = add_tmpl(L, title, desc,
                          reply && *reply ? reply
                                          : "已联系相关部门核实处理，并向"
                                            "来信人答复。",
                          cat ? cat : FALLBACK, reply && *reply);
        }
    }
    json_decref(tree);
    return rc;
}

static int
load_samples(struct load *L)
{
    const struct demo_sample *s = demo_samples(&L->nsamples);
    size_t i;
    int rc;

    for (i = 0; i < L->nsamples; i++)
        if ((rc = add_tmpl(L, s[i].title, s[i].description, s[i].fix,
                           s[i].category, false)) != CG_OK)
            return rc;
    return CG_OK;
}

/* Residents who report through the app, and a grid worker for every
 * grid; they sign in with the demo password.  Those a former load made
 * are found again. */
static int
add_people(struct load *L, long n)
{
    char hash[AUTH_HASH_LEN], username[64], name[48];
    size_t i;
    int rc;

    L->nresidents = (size_t)(n / 100 < 10     ? 10
                             : n / 100 > 2000 ? 2000
                                              : n / 100);
    L->residents = calloc(L->nresidents, sizeof(*L->residents));
    if (!L->residents)
        return CG_ENOMEM;
    if ((rc = auth_password_hash(DEMO_PASSWORD, hash)) != CG_OK)
        return rc;
    for (i = 0; i < L->nresidents; i++) {
        struct resident *r = &L->residents[i];

        str_fmt(username, sizeof(username), "resident-%05zu", i + 1);
        str_fmt(r->name, sizeof(r->name), "%s%s",
                surnames[demo_rand(&L->d, NELEM(surnames))],
                demo_rand(&L->d, 2) ? "先生" : "女士");
        str_fmt(r->phone, sizeof(r->phone), "13%09u",
                demo_rand(&L->d, 1000000000));
        if (find_user(L, username, &r->id) == CG_OK)
            continue;
        rc = store_user_add(L->db, username, hash, ROLE_RESIDENT, NULL, 0,
                            r->name, r->phone, &r->id);
        if (rc != CG_OK)
            return rc;
    }
    for (i = 0; i < L->ngrids; i++) {
        struct lgrid *g = &L->grids[i];

        str_fmt(username, sizeof(username), "grid-%s", g->area.code);
        str_fmt(name, sizeof(name), "%s网格员",
                surnames[demo_rand(&L->d, NELEM(surnames))]);
        if (find_user(L, username, &g->worker) == CG_OK)
            continue;
        rc = store_user_add(L->db, username, hash, ROLE_GRID_WORKER,
                            g->area.code, 0, name, NULL, &g->worker);
        if (rc != CG_OK)
            return rc;
    }
    return CG_OK;
}

static const struct lroute *
route_of(struct load *L, const struct tmpl *t, struct lgrid *g)
{
    struct lroute *r = &L->routes[t->cat * L->ngrids + (size_t)(g - L->grids)];
    struct cw_route plan;

    if (r->unit_id)
        return r;
    if (casework_route_plan(L->app, &L->cats[t->cat], &g->area, &plan) != CG_OK)
        return NULL;
    r->why = strdup(plan.why);
    r->unit_id = r->why ? plan.unit.id : 0;
    return r->why ? r : NULL;
}

static int64_t
deadline(struct load *L, const struct tmpl *t, const struct lgrid *g,
         int64_t from)
{
    return casework_deadline_at(L->app, &L->cats[t->cat], &g->area, t->level,
                                from);
}

/* A user of the unit, or 0 when it has none (the step is the unit's). */
static int64_t
unit_actor(const struct load *L, int64_t unit_id)
{
    size_t i;

    for (i = 0; i < L->nunit_users; i++)
        if (L->unit_user[0][i] == unit_id)
            return L->unit_user[1][i];
    return 0;
}

/* Who takes a step: as in the demo, the dispatcher files and sends, the
 * unit works, the supervisor of the area verifies, the reporter rates. */
static void
actor_for(const struct load *L, const struct gcase *c, enum case_action a,
          int64_t *id, enum role *role)
{
    switch (a) {
    case ACT_SUBMIT:
    case ACT_SELF_HANDLE:
        *id = c->reporter_id;
        *role = c->ch == CH_HOTLINE ? ROLE_DISPATCHER
                : c->ch == CH_GRID  ? ROLE_GRID_WORKER
                                    : ROLE_RESIDENT;
        break;
    case ACT_ACCEPT:
    case ACT_REJECT:
    case ACT_DISPATCH:
        *id = L->dispatcher;
        *role = ROLE_DISPATCHER;
        break;
    case ACT_SIGN:
    case ACT_HANDLE:
    case ACT_RETURN:
    case ACT_EXTEND:
        *id = unit_actor(L, c->unit_id);
        *role = ROLE_UNIT;
        break;
    case ACT_RATE:
    case ACT_WITHDRAW:
    case ACT_REOPEN:
        *id = c->reporter_id;
        *role = c->ch == CH_GRID ? ROLE_GRID_WORKER : ROLE_RESIDENT;
        break;
    default:
        *id = c->g->hm ? L->hm_supervisor : L->supervisor;
        *role = ROLE_SUPERVISOR;
        break;
    }
}

static enum plan
pick_plan(struct load *L, int64_t age)
{
    uint32_t r = demo_rand(&L->d, 10000);

    if (r < MIX_WITHDRAWN)
        return PLAN_WITHDRAWN;
    if (r < MIX_WITHDRAWN + MIX_REJECTED)
        return PLAN_REJECTED;
    if (demo_rand(&L->d, 10000) <
        (uint32_t)(OPEN_NOW * exp(-(double)age / (OPEN_DECAY_DAYS * DAY))))
        return PLAN_OPEN;
    /* A grid worker fixes about one in sixteen on the spot. */
    return demo_rand(&L->d, 16) == 0 ? PLAN_SELF : PLAN_CLOSED;
}

#define STEP(a, lo, hi)                                                        \
    do {                                                                       \
        memset(&s[n], 0, sizeof(s[n]));                                        \
        s[n].action = (a);                                                     \
        s[n].gap = (lo) + (int)demo_rand(&L->d, (uint32_t)((hi) - (lo) + 1));  \
        n++;                                                                   \
    } while (0)

/* The steps after the report that bring a case to where its plan ends;
 * gaps in minutes. */
static size_t
plan_steps(struct load *L, struct gcase *c, enum plan plan, struct pstep *s)
{
    const struct tmpl *t = c->t;
    bool resident = c->ch == CH_APP || c->ch == CH_WEB;
    size_t n = 0;
    uint32_t r = demo_rand(&L->d, 100), stop;

    switch (plan) {
    case PLAN_SELF:
        return 0;
    case PLAN_REJECTED:
        STEP(ACT_REJECT, 20, 180);
        s[n - 1].note = demo_reject_note(demo_rand(&L->d, 16));
        return n;
    case PLAN_WITHDRAWN:
        if (r >= 50)
            STEP(ACT_ACCEPT, 10, 60);
        if (r >= 80)
            STEP(ACT_DISPATCH, 5, 30);
        STEP(ACT_WITHDRAW, 10, 1440);
        s[n - 1].note = demo_withdraw_note(demo_rand(&L->d, 16));
        return n;
    default:
        break;
    }
    /* Where an open case stops: submitted, filed, dispatched, handling,
     * extension asked, suspended, handled. */
    stop = plan == PLAN_OPEN ? demo_rand(&L->d, 100) : 100;
    if (stop < 10)
        return 0;
    STEP(ACT_ACCEPT, 10, 60);
    if (r < 50)
        s[n - 1].note = "符合立案条件，予以立案。";
    if (stop < 20)
        return n;
    STEP(ACT_DISPATCH, 5, 30);
    if (r >= 50 && r < 52) {
        STEP(ACT_RETURN, 30, 240);
        s[n - 1].note = return_notes[demo_rand(&L->d, NELEM(return_notes))];
        STEP(ACT_DISPATCH, 10, 60);
    }
    if (stop < 40)
        return n;
    STEP(ACT_SIGN, 20, 240);
    if (plan == PLAN_OPEN && demo_rand(&L->d, 5) == 0) {
        STEP(ACT_ESCALATE, 1440, 4320);
        s[n - 1].note = "案件已超期未办结，请处置单位尽快办结并反馈。";
    }
    if (stop < 70)
        return n;
    if ((r >= 60 && r < 63) || (stop >= 70 && stop < 75)) {
        STEP(ACT_EXTEND, 240, 2880);
        s[n - 1].note = extend_notes[demo_rand(&L->d, NELEM(extend_notes))];
        s[n - 1].days = 3 + (int)demo_rand(&L->d, 3);
        if (stop < 75)
            return n;
        STEP(ACT_APPROVE_EXTENSION, 60, 600);
    }
    if (stop >= 75 && stop < 80) {
        STEP(ACT_SUSPEND, 1440, 7200);
        s[n - 1].note = "涉及长期规划改造，暂作挂账处理。";
        return n;
    }
    if (plan == PLAN_CLOSED && r >= 70 && r < 72) {
        STEP(ACT_ESCALATE, 1440, 2880);
        s[n - 1].note = "请处置单位加快办理，按期反馈。";
    }
    STEP(ACT_HANDLE, 120, 4320);
    s[n - 1].note = t->fix;
    s[n - 1].photo = fixed_photos[demo_rand(&L->d, NELEM(fixed_photos))];
    if (plan == PLAN_CLOSED && r >= 80 && r < 83) {
        STEP(ACT_REWORK, 60, 1440);
        s[n - 1].note = "现场核查未整改到位，请返工。";
        STEP(ACT_HANDLE, 120, 2880);
        s[n - 1].note = t->fix;
        s[n - 1].photo = PH_FIXED;
    }
    if (plan == PLAN_OPEN)
        return n;
    STEP(ACT_CLOSE, 30, 1440);
    s[n - 1].note = t->replied ? "已书面答复，予以结案。"
                               : "现场核查已整改到位，予以结案。";
    /* Three in four residents rate; one in twenty is not satisfied, and
     * half of those have the case handled again. */
    if (!resident || demo_rand(&L->d, 4) == 0)
        return n;
    r = demo_rand(&L->d, 100);
    STEP(ACT_RATE, 30, 2880);
    s[n - 1].rating = r < 85   ? RATING_SATISFIED
                      : r < 95 ? RATING_BASIC
                               : RATING_UNSATISFIED;
    if (r < 95 || demo_rand(&L->d, 2))
        return n;
    STEP(ACT_REOPEN, 10, 600);
    s[n - 1].note = "问题没有解决，申请重新办理。";
    STEP(ACT_SIGN, 20, 240);
    STEP(ACT_HANDLE, 120, 2880);
    s[n - 1].note = t->fix;
    s[n - 1].photo = PH_FIXED;
    STEP(ACT_CLOSE, 30, 1440);
    s[n - 1].note = "复查已整改到位，予以结案。";
    STEP(ACT_RATE, 30, 1440);
    s[n - 1].rating = RATING_BASIC;
    return n;
}

/* Fits the steps of a case to be closed, up to its close, within its
 * deadline (ON_TIME in 100 of them, drawn anew) or a little beyond it:
 * a unit given eight hours for a burst main does not take three days,
 * nor one given fifteen days a fortnight for every case. */
static void
fit_deadline(struct load *L, const struct gcase *c, struct pstep *s, size_t n)
{
    int64_t budget = (c->due_at - c->reported_at) / 60, total = 0, target;
    bool late = demo_rand(&L->d, 100) >= ON_TIME;
    double u = demo_rand(&L->d, 1000) / 1000.0;
    size_t i, last = n;

    for (i = 0; i < n && last == n; i++) {
        total += s[i].gap;
        if (s[i].action == ACT_CLOSE)
            last = i;
    }
    if (last == n || !c->due_at || budget <= 0 || total <= 0)
        return;
    target = (int64_t)((double)budget * (late ? 1.05 + u : 0.25 + 0.7 * u));
    if (late ? total >= target : total <= target)
        return;
    for (i = 0; i <= last; i++) {
        int64_t g = (int64_t)s[i].gap * target / total;

        s[i].gap = g > 0 ? (int)g : 1;
    }
}

/* Turns the gaps into instants after t0, squeezed if need be so that
 * the last step is still a minute in the past. */
static void
fit_times(struct load *L, int64_t t0, struct pstep *s, size_t n, int64_t *at)
{
    int64_t total = 0, room = L->d.now - 60 - t0, t = t0;
    size_t i;

    for (i = 0; i < n; i++)
        total += (int64_t)s[i].gap * 60;
    for (i = 0; i < n; i++) {
        int64_t g = (int64_t)s[i].gap * 60;

        if (total > room && total > 0)
            g = room > 0 ? g * room / total : 0;
        t += g;
        at[i] = t;
    }
}

/* Judges a step by the lifecycle table, works out what it changes as
 * casework does, and applies it to the row as the store does. */
static int
apply(struct load *L, struct gcase *c, const struct pstep *p, int64_t at)
{
    struct gev *e = &c->ev[c->nev];
    enum case_state to;
    struct lc_facts f;
    const char *why = "";
    enum lc_result lr;
    size_t i;

    if (c->nev == MAX_EV)
        return CG_ETOOBIG;
    memset(e, 0, sizeof(*e));
    e->action = p->action;
    e->at = at;
    actor_for(L, c, p->action, &e->actor_id, &e->role);
    memset(&f, 0, sizeof(f));
    f.state = c->state;
    f.role = e->role;
    f.is_reporter = true;
    f.is_owner_unit = true;
    f.last_rating = c->state == ST_CLOSED ? c->rating : RATING_NONE;
    f.has_note = p->note && *p->note;
    f.nphotos = p->photo != PH_NONE;
    f.has_unit = c->unit_id != 0;
    f.rating = p->rating;
    f.days = p->days;
    lr = lifecycle_check(&lc_complaint, p->action, &f, &to, &why);
    if (lr != LC_OK) {
        fprintf(stderr, "demo: generated step %s refused: %s\n",
                case_action_name(p->action), why);
        return CG_ERR;
    }
    e->from = c->state;
    e->to = to;
    e->note = p->note;
    e->photo = p->photo != PH_NONE ? L->d.photos[p->photo] : NULL;
    e->rating = p->rating;
    e->days = p->days;
    switch (p->action) {
    case ACT_SUBMIT:
    case ACT_SELF_HANDLE:
        e->unit_id = c->unit_id;
        e->due_at = deadline(L, c->t, c->g, at);
        break;
    case ACT_DISPATCH:
        e->unit_id = c->unit_id;
        break;
    case ACT_APPROVE_EXTENSION:
        for (i = c->nev; i-- > 0;)
            if (c->ev[i].action == ACT_EXTEND) {
                e->days = c->ev[i].days;
                break;
            }
        e->due_at = calendar_add(L->app->cal, c->due_at > at ? c->due_at : at,
                                 e->days, LIMIT_DAYS);
        break;
    case ACT_REOPEN:
        e->due_at = deadline(L, c->t, c->g, at);
        break;
    default:
        break;
    }
    /* What store_case_apply does to the row. */
    if (e->to == ST_CLOSED && e->from != ST_CLOSED)
        c->closed_at = at;
    if (e->from == ST_CLOSED && e->to != ST_CLOSED) {
        c->closed_at = 0;
        c->rating = RATING_NONE;
    }
    if (e->rating != RATING_NONE)
        c->rating = e->rating;
    if (e->to == ST_CLOSED && e->from != ST_CLOSED)
        c->stat_closed_at = at;
    if (e->action == ACT_RATE || e->action == ACT_REOPEN)
        c->stat_rating = e->rating;
    if (e->unit_id)
        c->unit_id = e->unit_id;
    if (e->due_at)
        c->due_at = e->due_at;
    c->handled |= e->action == ACT_HANDLE || e->action == ACT_SELF_HANDLE;
    c->reworked |= e->action == ACT_REWORK;
    c->escalated |= e->action == ACT_ESCALATE;
    c->state = to;
    c->version++;
    c->updated_at = at;
    c->nev++;
    return CG_OK;
}

/* Case i of n: reported on day i * 365 / n of the past year. */
static int
make_case(struct load *L, long i, long n)
{
    struct pstep steps[MAX_EV];
    int64_t at[MAX_EV], day0, local;
    const struct lroute *rt;
    struct resident *res;
    struct pstep first;
    struct gcase c;
    enum plan plan;
    size_t k, ns;
    uint32_t r;
    int rc;

    memset(&c, 0, sizeof(c));
    /* Local midnight a year ago, then the day and a time of day between
     * 07:00 and 22:00, most of them in working hours. */
    local = L->d.now + 8 * 3600;
    day0 = local - local % DAY - 8 * 3600 - (int64_t)SPAN_DAYS * DAY;
    c.reported_at = day0 + (int64_t)((double)i / (double)n * SPAN_DAYS) * DAY +
                    7 * 3600 +
                    (int64_t)(demo_rand(&L->d, 2) ? 1 + demo_rand(&L->d, 10)
                                                  : demo_rand(&L->d, 15)) *
                        3600 +
                    (int64_t)demo_rand(&L->d, 3600);
    if (c.reported_at > L->d.now - 600)
        c.reported_at = L->d.now - 600 - (int64_t)demo_rand(&L->d, 3 * 3600);
    plan = pick_plan(L, L->d.now - c.reported_at);

    /* Half the texts are real messages when there are any. */
    if (L->ntmpls > L->nsamples && demo_rand(&L->d, 2))
        c.t = &L->tmpls[L->nsamples +
                        demo_rand(&L->d, (uint32_t)(L->ntmpls - L->nsamples))];
    else
        c.t = &L->tmpls[demo_rand(&L->d, (uint32_t)L->nsamples)];
    c.g = &L->grids[demo_rand(&L->d, (uint32_t)L->ngrids)];

    r = demo_rand(&L->d, 100);
    if (plan == PLAN_SELF)
        c.ch = CH_GRID;
    else if (plan == PLAN_WITHDRAWN)
        c.ch = r < 80 ? CH_APP : CH_WEB;
    else
        c.ch = r < 40   ? CH_APP
               : r < 70 ? CH_HOTLINE
               : r < 85 ? CH_GRID
                        : CH_WEB;
    res = &L->residents[demo_rand(&L->d, (uint32_t)L->nresidents)];
    switch (c.ch) {
    case CH_APP:
    case CH_WEB:
        c.reporter_id = res->id;
        c.reporter_name = res->name;
        c.reporter_phone = res->phone;
        break;
    case CH_HOTLINE:
        /* A caller taken down by the dispatcher, without an account. */
        c.reporter_name = res->name;
        c.reporter_phone = res->phone;
        break;
    case CH_GRID:
        c.reporter_id = c.g->worker;
        break;
    }
    c.lon = c.g->box[0] +
            (c.g->box[2] - c.g->box[0]) * (0.05 + demo_rand(&L->d, 900) / 1e3);
    c.lat = c.g->box[1] +
            (c.g->box[3] - c.g->box[1]) * (0.05 + demo_rand(&L->d, 900) / 1e3);
    str_fmt(c.address, sizeof(c.address), "%s%u号楼附近", c.g->place,
            1 + demo_rand(&L->d, 40));
    if (!(rt = route_of(L, c.t, c.g))) {
        fprintf(stderr, "demo: no unit owns %s in %s\n", L->cats[c.t->cat].code,
                c.g->area.code);
        return CG_ENOTFOUND;
    }
    c.unit_id = rt->unit_id;
    c.route_why = rt->why;
    c.state = ST_NONE;
    c.version = 1;

    memset(&first, 0, sizeof(first));
    first.action = plan == PLAN_SELF ? ACT_SELF_HANDLE : ACT_SUBMIT;
    if (plan == PLAN_SELF) {
        first.note = c.t->fix;
        first.photo = PH_FIXED;
    } else if (c.ch != CH_HOTLINE && demo_rand(&L->d, 3)) {
        first.photo = report_photos[demo_rand(&L->d, NELEM(report_photos))];
    }
    if ((rc = apply(L, &c, &first, c.reported_at)) != CG_OK)
        return rc;
    ns = plan_steps(L, &c, plan, steps);
    if (plan == PLAN_CLOSED)
        fit_deadline(L, &c, steps, ns);
    fit_times(L, c.reported_at, steps, ns, at);
    for (k = 0; k < ns; k++)
        if ((rc = apply(L, &c, &steps[k], at[k])) != CG_OK)
            return rc;
    if (L->aside.stats)
        add_share(L, &c);
    L->batch[L->nbatch++] = c;
    if (L->nbatch == BATCH && (rc = flush(L)) != CG_OK)
        return rc;
    L->count[c.state]++;
    L->escalated += c.escalated;
    for (k = 0; k < c.nev; k++) {
        L->rated += c.ev[k].action == ACT_RATE;
        L->reopened += c.ev[k].action == ACT_REOPEN;
    }
    return CG_OK;
}

/* Case c's share of the statistics (demo_rollup.c), from the columns
 * bind_case gives it. */
static void
add_share(struct load *L, const struct gcase *c)
{
    struct rollup_case r;

    r.area_path = c->g->area.path;
    r.category = L->cats[c->t->cat].code;
    r.unit_id = c->unit_id;
    r.reported_at = c->reported_at;
    r.state = c->state;
    r.due_at = c->due_at;
    r.closed_at = c->stat_closed_at;
    r.rating = c->stat_rating;
    r.handled = c->handled;
    r.reworked = c->reworked;
    rollup_add(&L->rollup, &r);
}

/* An INSERT of `rows` rows of ncols columns at once. */
static int
prepare_rows(struct load *L, const char *head, int ncols, size_t rows,
             struct db_stmt **out)
{
    struct buf sql;
    size_t r;
    int c, rc;

    buf_init(&sql, strlen(head) + 16 + rows * (size_t)(ncols * 2 + 4));
    rc = buf_puts(&sql, head);
    rc |= buf_puts(&sql, " VALUES ");
    for (r = 0; r < rows; r++) {
        rc |= buf_puts(&sql, r ? ",(?" : "(?");
        for (c = 1; c < ncols; c++)
            rc |= buf_puts(&sql, ",?");
        rc |= buf_puts(&sql, ")");
    }
    rc = rc == CG_OK ? db_prepare(L->db, sql.data, out) : CG_ENOMEM;
    buf_free(&sql);
    return rc;
}

/*
 * Unless a bulk load has set the indexes aside (set_aside), the rows are
 * first written to temporary tables without indexes or triggers, and
 * moved into the real ones every STAGE cases by one INSERT ... SELECT
 * per table: the text index of cases is brought up to date at the end of
 * every statement that writes cases, and one large statement makes a few
 * large index segments where many small ones would each be merged again
 * and again.  Each staged row carries the id
 * it will get (n), so that steps can name their case and photos their
 * step before either is moved.
 */
static int
prepare(struct load *L)
{
    static const char *const heads[NTABLES] = {
        "INSERT INTO demo_load_cases (n, " CASE_COLS ")",
        "INSERT INTO demo_load_events (n, " EVENT_COLS ")",
        "INSERT INTO demo_load_photos (event_id, hash)",
    };
    /* Written directly when a bulk load has set the indexes aside: the
     * rows then go to the end of their tables in the order of their
     * ids, and staging them would only write them twice. */
    static const char *const direct[NTABLES] = {
        "INSERT INTO cases (id, " CASE_COLS ")",
        "INSERT INTO events (id, " EVENT_COLS ")",
        "INSERT INTO event_photos (event_id, hash, city_code)",
    };
    static const char *const tables[NTABLES] = {"cases", "events",
                                                "event_photos"};
    char sql[96];
    int t, rc = CG_OK;

    if (!L->direct)
        rc = db_exec(
            L->db,
            "CREATE TEMP TABLE demo_load_cases AS SELECT 0 AS n, " CASE_COLS
            " FROM cases WHERE 1 = 0;"
            " CREATE TEMP TABLE demo_load_events AS SELECT 0 AS n, " EVENT_COLS
            " FROM events WHERE 1 = 0;"
            " CREATE TEMP TABLE demo_load_photos AS SELECT"
            " event_id, hash FROM event_photos WHERE 1 = 0");
    for (t = 0; rc == CG_OK && t < NTABLES; t++) {
        struct rows *w = &L->w[t];

        w->ncols = table_cols[t] + (L->direct && t == T_PHOTOS);
        w->per = (size_t)(MAX_PARAMS / w->ncols);
        if (w->per > BATCH)
            w->per = BATCH;
        rc = prepare_rows(L, L->direct ? direct[t] : heads[t], w->ncols, w->per,
                          &w->many);
        if (rc == CG_OK)
            rc = prepare_rows(L, L->direct ? direct[t] : heads[t], w->ncols, 1,
                              &w->one);
        if (rc == CG_OK && t != T_PHOTOS) {
            str_fmt(sql, sizeof(sql), "SELECT COALESCE(MAX(id), 0) FROM %s",
                    tables[t]);
            rc = db_scalar_int(L->db, 0, &w->last_id, sql, NULL);
        }
    }
    if (rc == CG_OK)
        L->moved = L->w[T_CASES].last_id;
    return rc;
}

/* Moves what is staged into the real tables, checking that every row got
 * the id it was staged with. */
static int
move(struct load *L)
{
    static const char *const moves[NTABLES] = {
        "INSERT INTO cases (" CASE_COLS ") SELECT " CASE_COLS
        " FROM demo_load_cases ORDER BY n",
        "INSERT INTO events (" EVENT_COLS ") SELECT " EVENT_COLS
        " FROM demo_load_events ORDER BY n",
        "INSERT INTO event_photos (event_id, hash, city_code) SELECT"
        " p.event_id, p.hash, e.city_code FROM demo_load_photos p"
        " JOIN events e ON e.id = p.event_id",
    };
    int t, rc = CG_OK;

    if (L->direct || L->moved == L->w[T_CASES].last_id)
        return CG_OK;
    for (t = 0; rc == CG_OK && t < NTABLES; t++) {
        rc = db_exec(L->db, moves[t]);
        if (rc == CG_OK && t != T_PHOTOS &&
            db_last_id(L->db) != L->w[t].last_id) {
            fprintf(stderr,
                    "demo: the ids of %s are not consecutive; is someone "
                    "else writing?\n",
                    t == T_CASES ? "cases" : "events");
            rc = CG_ECONFLICT;
        }
    }
    if (rc == CG_OK)
        rc = db_exec(L->db, "DELETE FROM demo_load_cases;"
                            " DELETE FROM demo_load_events;"
                            " DELETE FROM demo_load_photos");
    if (rc == CG_OK)
        L->moved = L->w[T_CASES].last_id;
    return rc;
}

/* Binds case c as the row that starts at parameter i + 1. */
static void
bind_case(struct load *L, struct db_stmt *st, int i, const struct gcase *c)
{
    static const char *const channels[] = {"app", "web", "hotline", "grid"};

    db_bind_text(st, i + 1, L->app->city_code);
    db_bind_text(st, i + 2, c->t->title);
    db_bind_text(st, i + 3, c->t->description);
    db_bind_text(st, i + 4, L->cats[c->t->cat].code);
    db_bind_text(st, i + 5, c->g->area.code);
    db_bind_text(st, i + 6, c->g->area.path);
    db_bind_double(st, i + 7, c->lon);
    db_bind_double(st, i + 8, c->lat);
    db_bind_text(st, i + 9, c->address);
    db_bind_text(st, i + 10, level_name(c->t->level));
    db_bind_text(st, i + 11, c->t->level_reason);
    db_bind_text(st, i + 12, channels[c->ch]);
    db_bind_text(st, i + 13, case_state_name(c->state));
    db_bind_int(st, i + 14, c->unit_id);
    db_bind_text(st, i + 15, c->route_why);
    if (c->reporter_id)
        db_bind_int(st, i + 16, c->reporter_id);
    db_bind_text(st, i + 17, c->reporter_name);
    db_bind_text(st, i + 18, c->reporter_phone);
    db_bind_int(st, i + 19, c->reported_at);
    if (c->due_at)
        db_bind_int(st, i + 20, c->due_at);
    if (c->closed_at)
        db_bind_int(st, i + 21, c->closed_at);
    if (c->rating != RATING_NONE)
        db_bind_text(st, i + 22, rating_name(c->rating));
    db_bind_int(st, i + 23, c->escalated);
    db_bind_int(st, i + 24, c->handled);
    db_bind_int(st, i + 25, c->reworked);
    db_bind_int(st, i + 26, c->version);
    db_bind_int(st, i + 27, c->updated_at);
    /* The statistics' columns, as the triggers would set them from the
     * events: the state and deadline are the case's own. */
    db_bind_text(st, i + 28, case_state_name(c->state));
    if (c->due_at)
        db_bind_int(st, i + 29, c->due_at);
    if (c->stat_closed_at)
        db_bind_int(st, i + 30, c->stat_closed_at);
    if (c->stat_rating != RATING_NONE)
        db_bind_text(st, i + 31, rating_name(c->stat_rating));
    db_bind_int(st, i + 32, c->handled);
    db_bind_int(st, i + 33, c->reworked);
}

/* Binds step k of case c (whose id is known by now). */
static void
bind_event(struct load *L, struct db_stmt *st, int i, const struct gcase *c,
           size_t k)
{
    const struct gev *e = &c->ev[k];

    db_bind_text(st, i + 1, L->app->city_code);
    db_bind_int(st, i + 2, c->id);
    db_bind_int(st, i + 3, (int64_t)k + 1);
    db_bind_int(st, i + 4, e->at);
    if (e->actor_id)
        db_bind_int(st, i + 5, e->actor_id);
    db_bind_text(st, i + 6, role_name(e->role));
    db_bind_text(st, i + 7, case_action_name(e->action));
    db_bind_text(st, i + 8,
                 e->from == ST_NONE ? NULL : case_state_name(e->from));
    db_bind_text(st, i + 9, case_state_name(e->to));
    db_bind_text(st, i + 10, e->note && *e->note ? e->note : NULL);
    if (e->unit_id)
        db_bind_int(st, i + 11, e->unit_id);
    if (e->rating != RATING_NONE)
        db_bind_text(st, i + 12, rating_name(e->rating));
    if (e->due_at)
        db_bind_int(st, i + 13, e->due_at);
    if (e->days)
        db_bind_int(st, i + 14, e->days);
}

/*
 * Stages row[0..n) of table t: as many full statements of w->per rows as
 * fit, then one by one.  The ids of the rows follow the table's highest
 * id one by one, since the write lock is held; move() checks it.
 */
static int
write_rows(struct load *L, int t, struct rowref *row, size_t n)
{
    struct rows *w = &L->w[t];
    size_t k = 0, r, rows;
    struct db_stmt *st;
    int rc;

    while (k < n) {
        rows = n - k >= w->per ? w->per : 1;
        st = rows > 1 ? w->many : w->one;
        db_reset(st);
        for (r = 0; r < rows; r++) {
            struct rowref *x = &row[k + r];
            int i = (int)r * w->ncols;

            if (t == T_CASES) {
                x->c->id = ++w->last_id;
                db_bind_int(st, i + 1, x->c->id);
                bind_case(L, st, i + 1, x->c);
            } else if (t == T_EVENTS) {
                x->c->ev[x->k].id = ++w->last_id;
                db_bind_int(st, i + 1, x->c->ev[x->k].id);
                bind_event(L, st, i + 1, x->c, x->k);
            } else {
                db_bind_int(st, i + 1, x->c->ev[x->k].id);
                db_bind_text(st, i + 2, x->c->ev[x->k].photo);
                if (L->direct)
                    db_bind_text(st, i + 3, L->app->city_code);
            }
        }
        if ((rc = db_step(st)) != DB_DONE)
            return rc < 0 ? rc : CG_EDB;
        k += rows;
    }
    return CG_OK;
}

/* Hands the cases just written to the sides (demo_side.c). */
static int
hand_over(struct load *L)
{
    struct side_row rows[BATCH];
    size_t i;
    int rc = CG_OK;

    for (i = 0; i < L->nbatch; i++) {
        const struct gcase *c = &L->batch[i];
        struct side_row *r = &rows[i];

        r->id = c->id;
        r->title = c->t->title;
        r->description = c->t->description;
    }
    for (i = 0; rc == CG_OK && i < MAX_SIDES; i++)
        if (L->alongside[i])
            rc = side_add(L->side[i], rows, L->nbatch);
    return rc;
}

/* Writes the cases made so far, then their steps, then the photos of
 * their steps, each table in as few statements as its rows allow. */
static int
flush(struct load *L)
{
    size_t i, k, n = 0;
    int rc;

    for (i = 0; i < L->nbatch; i++) {
        L->refs[i].c = &L->batch[i];
        L->refs[i].k = 0;
    }
    rc = write_rows(L, T_CASES, L->refs, L->nbatch);
    if (rc == CG_OK)
        rc = hand_over(L);
    for (i = 0; i < L->nbatch; i++)
        for (k = 0; k < L->batch[i].nev; k++) {
            L->refs[n].c = &L->batch[i];
            L->refs[n++].k = k;
        }
    if (rc == CG_OK)
        rc = write_rows(L, T_EVENTS, L->refs, n);
    n = 0;
    for (i = 0; i < L->nbatch; i++)
        for (k = 0; k < L->batch[i].nev; k++)
            if (L->batch[i].ev[k].photo) {
                L->refs[n].c = &L->batch[i];
                L->refs[n++].k = k;
            }
    if (rc == CG_OK)
        rc = write_rows(L, T_PHOTOS, L->refs, n);
    L->nbatch = 0;
    if (rc == CG_OK && L->w[T_CASES].last_id - L->moved >= STAGE)
        rc = move(L);
    return rc;
}

static void
finish(struct load *L)
{
    size_t i;

    for (i = 0; i < NTABLES; i++) {
        db_finalize(L->w[i].many);
        db_finalize(L->w[i].one);
    }
    for (i = 0; i < L->ntmpls; i++)
        free(L->tmpls[i].level_reason);
    if (L->routes)
        for (i = 0; i < L->ncats * L->ngrids; i++)
            free(L->routes[i].why);
    for (i = 0; i < NELEM(L->csv); i++)
        if (L->csv[i].buf)
            demo_csv_close(&L->csv[i]);
    free(L->routes);
    free(L->tmpls);
    free(L->cats);
    free(L->grids);
    free(L->residents);
    free(L->batch);
    free(L->refs);
    aside_free(&L->aside);
    rollup_free(&L->rollup);
}

/* The PRAGMAs of a bulk load are SQLite's; other backends have their
 * own ways and are left as they are. */
static bool
is_sqlite(const char *url)
{
    return !str_has_prefix(url, "postgres:") &&
           !str_has_prefix(url, "postgresql:");
}

/* The next word of p (letters, digits, _ and $, or an identifier in
 * quotes, without them) into word; NULL at the end.  Anything else
 * between words is passed over, but for a string literal, which is
 * passed over whole, and ';', which is a word of its own. */
static const char *
next_word(const char *p, char *word, size_t len)
{
    size_t n = 0;
    char q;

    for (;;) {
        while (*p && *p != '\'' && *p != ';' && !strchr("\"`[", *p) &&
               !isalnum((unsigned char)*p) && *p != '_' && *p != '$')
            p++;
        if (*p != '\'')
            break;
        for (p++; *p && !(p[0] == '\'' && p[1] != '\''); p++)
            if (p[0] == '\'')
                p++; /* '' inside the literal */
        if (*p)
            p++;
    }
    if (!*p)
        return NULL;
    if (*p == ';') {
        str_copy(word, len, ";");
        return p + 1;
    }
    if (strchr("\"`[", *p)) {
        q = *p == '[' ? ']' : *p;
        for (p++; *p && *p != q; p++)
            if (n + 1 < len)
                word[n++] = *p;
        word[n] = '\0';
        return *p ? p + 1 : p;
    }
    for (; *p && (isalnum((unsigned char)*p) || *p == '_' || *p == '$'); p++)
        if (n + 1 < len)
            word[n++] = *p;
    word[n] = '\0';
    return p;
}

static bool
word_in(const char *word, char *const *names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcasecmp(word, names[i]) == 0)
            return true;
    return false;
}

/*
 * Whether trigger sql may be set aside during a bulk load: every
 * statement of its body writes one of the text indexes fts[0..nfts)
 * (INSERT or REPLACE INTO, UPDATE, DELETE FROM), which are rebuilt from
 * the cases afterwards.  *on_insert tells whether it fires on an INSERT
 * at all (the others need not be touched).
 */
static bool
trigger_rebuildable(const char *sql, char *const *fts, size_t nfts,
                    bool *on_insert)
{
    static const char *const skip[] = {"OR",     "ROLLBACK", "ABORT", "FAIL",
                                       "IGNORE", "REPLACE",  "INTO",  "FROM"};
    const char *p = sql;
    char w[128];
    bool start = true;

    *on_insert = false;
    while ((p = next_word(p, w, sizeof(w))) && strcasecmp(w, "BEGIN") != 0)
        if (strcasecmp(w, "INSERT") == 0)
            *on_insert = true;
    while (p && (p = next_word(p, w, sizeof(w)))) {
        if (strcmp(w, ";") == 0) {
            start = true;
            continue;
        }
        if (!start)
            continue;
        start = false;
        if (strcasecmp(w, "END") == 0)
            return true;
        if (strcasecmp(w, "INSERT") != 0 && strcasecmp(w, "REPLACE") != 0 &&
            strcasecmp(w, "UPDATE") != 0 && strcasecmp(w, "DELETE") != 0)
            return false;
        /* [OR conflict] INTO / FROM, then the table written. */
        while ((p = next_word(p, w, sizeof(w))) &&
               word_in(w, (char *const *)skip, NELEM(skip)))
            ;
        if (!p || !word_in(w, fts, nfts))
            return false;
    }
    return false;
}

static int
aside_add(char ***list, size_t *n, const char *s)
{
    char **l = realloc(*list, (*n + 1) * sizeof(*l));

    if (!l)
        return CG_ENOMEM;
    *list = l;
    if (!(l[*n] = str_dup(s ? s : "")))
        return CG_ENOMEM;
    (*n)++;
    return CG_OK;
}

/*
 * Before a bulk load into SQLite: sets aside what makes every row
 * expensive to write, to be put back by put_back() in the same
 * transaction.  Building an index over a million rows at once, in order,
 * costs a fraction of keeping it up to date row by row, and so does
 * filling a text index in one pass.  The statements are the schema's
 * own, read from sqlite_master, so that an index or trigger a later
 * migration adds is handled too.  What is set aside is chosen by rule:
 *
 * - every index of the tables loaded and of the statistics' rollups
 *   that has a CREATE INDEX statement (not those of PRIMARY KEY and
 *   UNIQUE constraints): an index is derived from its table alone, and
 *   building it again gives the same index;
 * - of the triggers that fire on INSERT into those tables, those that
 *   write nothing but a text index (FTS5) over the cases, which is
 *   filled anew, alongside (demo_side.c) or by its 'rebuild' command;
 * - the triggers of the statistics (named stats_*, schema version 9):
 *   the case rows are written with the stat_* columns those triggers
 *   would give them, and each case's share of the rollups is added up
 *   as it is made (demo_rollup.c).
 *
 * Any other trigger stays and fires row by row: setting it aside would
 * leave what it keeps wrong, since nothing here knows how to rebuild it.
 */
static int
set_aside(struct load *L)
{
    struct aside *a = &L->aside;
    struct db_stmt *st;
    char **names = NULL, drop[200];
    size_t nnames = 0, i;
    bool on_insert;
    int rc;

    rc = db_prepare(L->db,
                    "SELECT type, name, sql FROM sqlite_master"
                    " WHERE tbl_name IN ('cases', 'events', 'event_photos',"
                    " 'stats_day', 'stats_month')"
                    " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
                    " ORDER BY rowid",
                    &st);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *type = db_col_text(st, 0), *sql = db_col_text(st, 2);

        if (strcmp(type, "trigger") == 0 &&
            strncmp(db_col_text(st, 1), "stats_", 6) == 0)
            a->stats = true;
        else if (strcmp(type, "trigger") == 0 &&
                 (!trigger_rebuildable(sql, a->fts, a->nfts, &on_insert) ||
                  !on_insert))
            continue;
        if ((rc = aside_add(&names, &nnames, db_col_text(st, 1))) != CG_OK ||
            (rc = aside_add(&a->sql, &a->nsql, sql)) != CG_OK)
            break;
    }
    db_finalize(st);
    if (rc == DB_DONE)
        rc = CG_OK;
    for (i = 0; rc == CG_OK && i < nnames; i++) {
        str_fmt(drop, sizeof(drop), "DROP %s \"%s\"",
                strncasecmp(a->sql[i], "CREATE TRIGGER", 14) == 0 ? "TRIGGER"
                                                                  : "INDEX",
                names[i]);
        rc = db_exec(L->db, drop);
    }
    for (i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* The text indexes over the cases (FTS5 tables whose content is the
 * cases), into L->aside.fts.  A bulk load fills them all anew: set_aside
 * drops the triggers that keep them. */
static int
text_indexes(struct load *L)
{
    struct aside *a = &L->aside;
    struct db_stmt *st;
    int rc;

    rc = db_prepare(L->db,
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
                    " AND replace(replace(sql, ' ', ''), '\"', '''')"
                    " LIKE '%content=''cases''%'",
                    &st);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW)
        if ((rc = aside_add(&a->fts, &a->nfts, db_col_text(st, 0))) != CG_OK)
            break;
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

/* After the rows are in: the statistics' rollups and the other indexes
 * and triggers as they were, in the schema's order, while the sides fill
 * their text indexes; then the text indexes copied in from the sides, or
 * filled here from the cases. */
static int
put_back(struct load *L)
{
    struct aside *a = &L->aside;
    bool built[MAX_SIDES] = {false};
    char sql[200];
    struct timespec t;
    size_t i;
    int rc = CG_OK;

    clock_gettime(CLOCK_MONOTONIC, &t);
    for (i = 0; i < MAX_SIDES; i++)
        if (L->alongside[i])
            side_last(L->side[i]);
    if (a->stats)
        rc = rollup_write(&L->rollup, L->db);
    rollup_free(&L->rollup);
    a->secs_stats = seconds_since(&t);
    for (i = 0; rc == CG_OK && i < a->nsql; i++)
        rc = db_exec(L->db, a->sql[i]);
    a->secs_rest = seconds_since(&t);
    for (i = 0; rc == CG_OK && i < MAX_SIDES; i++)
        built[i] = L->alongside[i] && side_finish(L->side[i]) == CG_OK;
    a->secs_wait = seconds_since(&t);
    for (i = 0; rc == CG_OK && i < a->nfts; i++)
        if (i < MAX_SIDES && built[i]) {
            rc = side_copy(L->side[i]);
            a->nbeside++;
            a->secs_copy += seconds_since(&t);
        } else {
            str_fmt(sql, sizeof(sql),
                    "INSERT INTO \"%s\"(\"%s\") VALUES ('rebuild')", a->fts[i],
                    a->fts[i]);
            rc = db_exec(L->db, sql);
            a->secs_text += seconds_since(&t);
        }
    if (rc == CG_OK && a->nfts > 0)
        rc = db_dialect_search_rebuilt(L->db);
    return rc;
}

/* Seconds since *t, which becomes now. */
static double
seconds_since(struct timespec *t)
{
    struct timespec now;
    double s;

    clock_gettime(CLOCK_MONOTONIC, &now);
    s = (double)(now.tv_sec - t->tv_sec) +
        (double)(now.tv_nsec - t->tv_nsec) / 1e9;
    *t = now;
    return s;
}

static void
aside_free(struct aside *a)
{
    size_t i;

    for (i = 0; i < a->nsql; i++)
        free(a->sql[i]);
    for (i = 0; i < a->nfts; i++)
        free(a->fts[i]);
    free(a->sql);
    free(a->fts);
    memset(a, 0, sizeof(*a));
}

/* What putting back after a bulk load took. */
static void
print_phases(const struct aside *a)
{
    size_t here = a->nfts - a->nbeside;

    printf("  of which the statistics %.1f s, the other indexes %.1f s",
           a->secs_stats, a->secs_rest);
    if (a->nbeside)
        printf("; %zu text index%s built alongside, %.1f s more to finish "
               "and %.1f s to copy in",
               a->nbeside, a->nbeside > 1 ? "es" : "", a->secs_wait,
               a->secs_copy);
    if (here)
        printf("; %zu text index%s built in place, %.1f s", here,
               here > 1 ? "es" : "", a->secs_text);
    printf("\n");
}

/* Sets SQLite's journal mode; the mode it had into was (when given and
 * the mode changed). */
static void
journal_set(struct db *db, const char *mode, char *was, size_t len)
{
    struct timespec pause = {0, 20 * 1000 * 1000};
    struct db_stmt *st;
    char before[16] = "", sql[64];
    bool done = false;
    int tries;

    if (db_prepare(db, "PRAGMA journal_mode", &st) == CG_OK) {
        if (db_step(st) == DB_ROW && db_col_text(st, 0))
            str_copy(before, sizeof(before), db_col_text(st, 0));
        db_finalize(st);
    }
    str_fmt(sql, sizeof(sql), "PRAGMA journal_mode = %s", mode);
    /* The change needs the file to itself: a checkpoint under way on
     * another connection is waited for, a few tenths of a second. */
    for (tries = 0; tries < 50; tries++) {
        if (db_prepare(db, sql, &st) != CG_OK)
            return;
        done = db_step(st) == DB_ROW && db_col_text(st, 0) &&
               strcasecmp(db_col_text(st, 0), mode) == 0;
        db_finalize(st);
        if (done)
            break;
        nanosleep(&pause, NULL);
    }
    if (done && was && strcasecmp(mode, before) != 0)
        str_copy(was, len, before);
}

int
demo_load(struct app *app, const char *db_url, long n, const char *shared_data,
          bool quiet)
{
    struct timespec t0, t1;
    int64_t sync = 2, cache = -2000, had = 0;
    bool tuned = false, bulk = false;
    bool attached = false;
    char sql[160], journal[16] = "";
    struct load L;
    double secs;
    long i;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&L, 0, sizeof(L));
    L.app = app;
    L.db = store_db(app->store);
    L.quiet = quiet;
    L.d.app = app;
    L.d.db = L.db;
    L.d.rng = LOAD_SEED;
    L.d.now = cgtime_now();
    rc = load_people(&L);
    if (rc == CG_OK)
        rc = load_grids(&L);
    if (rc == CG_OK)
        rc = load_samples(&L);
    if (rc == CG_OK)
        rc = load_messages(&L, shared_data);
    if (rc != CG_OK)
        goto out;
    L.routes = calloc(L.ncats * L.ngrids, sizeof(*L.routes));
    L.batch = calloc(BATCH, sizeof(*L.batch));
    L.refs = calloc(BATCH * MAX_EV, sizeof(*L.refs));
    if (!L.routes || !L.batch || !L.refs) {
        rc = CG_ENOMEM;
        goto out;
    }
    if (is_sqlite(db_url)) {
        /* Nothing of a half-done load is worth keeping: the file need not
         * be synced before the end, and a large cache keeps the indexes'
         * pages in memory while they are filled.  Both are put back
         * afterwards.  The journal stays as it is: leaving the
         * write-ahead log needs the file to itself, and a server may have
         * it open. */
        db_scalar_int(L.db, 2, &sync, "PRAGMA synchronous", NULL);
        db_scalar_int(L.db, -2000, &cache, "PRAGMA cache_size", NULL);
        rc = db_exec(L.db, "PRAGMA synchronous = OFF;"
                           " PRAGMA cache_size = -524288");
        tuned = rc == CG_OK;
        /* A city of fewer cases than are added is loaded in bulk: its
         * indexes built again afterwards (set_aside) cost less than
         * keeping them up to date.  Then the write-ahead log, which
         * would hold every page written until the end and copy it into
         * the file again, is left for a rollback journal, which for the
         * pages a load adds to the end of the file writes nothing, and
         * still undoes a load that fails.  Leaving the log needs the
         * file to itself: when a server has it open, the log stays. */
        if (rc == CG_OK)
            rc = db_scalar_int(L.db, 0, &had,
                               "SELECT COALESCE(MAX(id), 0) FROM cases", NULL);
        bulk = rc == CG_OK && had < n;
        if (bulk)
            journal_set(L.db, "delete", journal, sizeof(journal));
        /* Each text index is built alongside, in a file of its own, on
         * a thread of its own (demo_side.c); a file that cannot be
         * attached leaves its index to be built in place. */
        if (bulk)
            rc = text_indexes(&L);
        for (i = 0; rc == CG_OK && i < (long)L.aside.nfts && i < MAX_SIDES; i++)
            attached |= side_attach(L.db, db_url, L.aside.fts[i], (int)i,
                                    &L.side[i]) == CG_OK;
    }
    /* Beginning with the write lock would take the sides' too, which
     * their builders write: then the first statement, a write, takes the
     * city's. */
    if (rc == CG_OK)
        rc = attached ? db_exec(L.db, "BEGIN") : db_begin(L.db);
    if (rc != CG_OK)
        goto out;
    /* The sample photos are the demo's own: drawn again they have the
     * same digests, and are stored once. */
    if (rc == CG_OK)
        rc = demo_photos(&L.d);
    if (rc == CG_OK)
        rc = add_people(&L, n);
    L.direct = bulk;
    if (rc == CG_OK && bulk)
        rc = set_aside(&L);
    /* The sides take in the city's cases at once, and the load waits
     * for all of them before it writes. */
    for (i = 0; rc == CG_OK && i < MAX_SIDES; i++)
        L.alongside[i] = L.side[i] && side_start(L.side[i]) == CG_OK;
    for (i = 0; rc == CG_OK && i < MAX_SIDES; i++)
        L.alongside[i] = L.alongside[i] && side_ready(L.side[i]) == CG_OK;
    if (rc == CG_OK)
        rc = prepare(&L);
    for (i = 0; rc == CG_OK && i < n; i++)
        rc = make_case(&L, i, n);
    if (rc == CG_OK)
        rc = flush(&L);
    if (rc == CG_OK)
        rc = move(&L);
    if (rc == CG_OK)
        rc = put_back(&L);
    if (rc == CG_OK && !L.direct)
        rc = db_exec(L.db, "DROP TABLE demo_load_cases;"
                           " DROP TABLE demo_load_events;"
                           " DROP TABLE demo_load_photos");
    if (rc == CG_OK)
        rc = db_commit(L.db);
    if (rc != CG_OK)
        db_rollback(L.db);
out:
    for (i = 0; i < MAX_SIDES; i++)
        side_close(L.side[i]);
    if (tuned) {
        str_fmt(sql, sizeof(sql),
                "PRAGMA synchronous = %lld; PRAGMA cache_size = %lld",
                (long long)sync, (long long)cache);
        db_exec(L.db, sql);
        if (journal[0])
            journal_set(L.db, journal, NULL, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) +
           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc != CG_OK)
        fprintf(stderr, "demo: the %ld cases could not be written (%s)\n", n,
                cg_strerror(rc));
    else if (!quiet) {
        printf("\ngenerated %ld cases in %.1f s (%.0f a second) from %zu "
               "texts:",
               n, secs, secs > 0 ? (double)n / secs : 0.0, L.ntmpls);
        for (i = ST_SUBMITTED; i < ST__COUNT; i++)
            if (L.count[i])
                printf(" %s %ld", case_state_name((enum case_state)i),
                       L.count[i]);
        printf("\n  (%ld escalated, %ld ratings, %ld reopened; %zu residents "
               "resident-00001 ... and %zu grid workers grid-<grid code> "
               "sign in with the demo password)\n",
               L.escalated, L.rated, L.reopened, L.nresidents, L.ngrids);
        if (L.direct)
            print_phases(&L.aside);
    }
    finish(&L);
    return rc;
}

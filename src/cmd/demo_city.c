/*
 * demo_city.c - `civicgrid demo`: the demo city, built into an opened and
 * migrated database whose catalogue is seeded.
 *
 * The city is Hohhot (呼和浩特) with its real urban districts and streets;
 * communities and grids are generated (demo_areas.c).  The people below
 * sign in with one shared password.  Cases are played through casework,
 * the same path the API takes, so every step passes the lifecycle table
 * and the permission check: the founding stories and a spread of sample
 * cases (demo_cases.c), then real citizen messages when the shared data
 * is at hand (demo_messages.c).  Everything after the district outlines
 * is one transaction, so a failed build leaves no half city behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/demo_city.h"

#define MAX_GRIDS 1024
#define RNG_SEED  0x63697669636772ULL

struct demo_person {
    const char *username;
    enum role role;
    const char *area;
    const char *unit;
    const char *display_name;
    const char *phone;
    const char *about;
};

static bool already_built(struct demo *d);
static int add_users(struct demo *d);
static const struct demo_person *person(enum demo_who w);
static enum demo_who actor_of(const struct demo *d, const struct case_row *c,
                              enum case_action a);
static void print_signins(void);
static void print_summary(struct demo *d, double seconds);
static double seconds_since(const struct timespec *t0);

static const struct demo_person people[DU__COUNT] = {
    [DU_ADMIN] = {"admin", ROLE_ADMIN, DEMO_CITY, NULL, "系统管理员", NULL,
                  "系统管理员：区域、分类、用户"},
    [DU_DISPATCHER] = {"dispatcher", ROLE_DISPATCHER, DEMO_CITY, NULL,
                       "受理派遣员", NULL, "12345受理派遣员：立案、派遣"},
    [DU_SUPERVISOR] = {"supervisor", ROLE_SUPERVISOR, DEMO_CITY, NULL,
                       "市监督员", NULL, "市级监督员：核查结案、督办"},
    [DU_HM_SUPERVISOR] = {"hm-supervisor", ROLE_SUPERVISOR, DEMO_DISTRICT, NULL,
                          "回民区监督员", NULL,
                          "回民区网格化服务管理中心监督员"},
    [DU_GRIDWORKER] = {"gridworker", ROLE_GRID_WORKER, "150103003001001", NULL,
                       "王网格员", "13604710001", "电子路社区第1网格网格员"},
    [DU_COMMUNITY] = {"community", ROLE_UNIT, "150103003001",
                      "office-150103003001", "电子路社区居委会", NULL,
                      "电子路社区居委会（处置单位）"},
    [DU_SANITATION] = {"sanitation", ROLE_UNIT, DEMO_CITY, "dept-sanitation",
                       "环卫中心调度", NULL, "环卫中心（处置单位）"},
    [DU_LANDSCAPE] = {"landscape", ROLE_UNIT, DEMO_CITY, "dept-landscape",
                      "园林绿化局调度", NULL, "园林绿化局（处置单位）"},
    [DU_RESIDENT1] = {"resident1", ROLE_RESIDENT, NULL, NULL, "张女士",
                      "13800138001", "居民张女士（呼铁菁华园小区）"},
    [DU_RESIDENT2] = {"resident2", ROLE_RESIDENT, NULL, NULL, "李先生",
                      "13900139002", "居民李先生"},
};

static const struct demo_person *
person(enum demo_who w)
{
    return &people[w];
}

/* splitmix64: the same sample city on every run. */
uint32_t
demo_rand(struct demo *d, uint32_t n)
{
    uint64_t z = (d->rng += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return n ? (uint32_t)(z % n) : 0;
}

/* An instant written as local time with its offset; the texts are the
 * demo's own constants, so a bad one is a programming error. */
int64_t
demo_at(const char *local)
{
    int64_t t = 0;

    if (cgtime_parse(local, 480, &t) != CG_OK) {
        fprintf(stderr, "demo: bad time %s\n", local);
        abort();
    }
    return t;
}

void
demo_actor(const struct demo *d, enum demo_who w, bool history,
           struct cw_actor *out)
{
    memset(out, 0, sizeof(*out));
    out->history = history;
    out->p.user_id = d->users[w].id;
    out->p.role = d->users[w].role;
    out->p.area_path = d->users[w].path;
    out->p.unit_id = d->users[w].unit_id;
}

/* Who takes action a on case c: the dispatcher accepts and dispatches,
 * the supervisor of the area verifies, the reporter rates or withdraws.
 * DU__COUNT means the unit the case is with (it may have no demo user). */
static enum demo_who
actor_of(const struct demo *d, const struct case_row *c, enum case_action a)
{
    int w;

    switch (a) {
    case ACT_ACCEPT:
    case ACT_REJECT:
    case ACT_DISPATCH:
    case ACT_MERGE:
        return DU_DISPATCHER;
    case ACT_SIGN:
    case ACT_HANDLE:
    case ACT_RETURN:
    case ACT_EXTEND:
        return DU__COUNT;
    case ACT_RATE:
    case ACT_WITHDRAW:
    case ACT_REOPEN:
        for (w = 0; w < DU__COUNT; w++)
            if (d->users[w].id == c->reporter_id)
                return (enum demo_who)w;
        return DU_DISPATCHER;
    default:
        return str_has_prefix(c->area_path, d->users[DU_HM_SUPERVISOR].path)
                   ? DU_HM_SUPERVISOR
                   : DU_SUPERVISOR;
    }
}

/* Plays the steps on a case in order; history steps need no photos. */
int
demo_play(struct demo *d, int64_t case_id, bool history,
          const struct demo_step *steps, size_t nsteps)
{
    size_t i;
    int rc, w;

    for (i = 0; i < nsteps; i++) {
        const struct demo_step *s = &steps[i];
        const char *photo[1];
        struct cw_action act;
        struct cw_error err;
        struct cw_actor who;
        struct case_row c;
        enum demo_who as;

        if ((rc = store_case_get(d->db, case_id, &c)) != CG_OK)
            return rc;
        as = actor_of(d, &c, s->action);
        if (as == DU__COUNT) {
            memset(&who, 0, sizeof(who));
            who.history = history;
            who.p.role = ROLE_UNIT;
            who.p.unit_id = c.unit_id;
            for (w = 0; w < DU__COUNT; w++)
                if (d->users[w].unit_id && d->users[w].unit_id == c.unit_id)
                    demo_actor(d, (enum demo_who)w, history, &who);
        } else {
            demo_actor(d, as, history, &who);
        }
        memset(&act, 0, sizeof(act));
        act.action = s->action;
        act.at = s->at;
        act.note = s->note;
        act.unit_code = s->unit;
        act.rating = s->rating;
        if (s->photo != PH_NONE) {
            photo[0] = d->photos[s->photo];
            act.photos = photo;
            act.nphotos = 1;
        }
        rc = casework_act(d->app, &who, case_id, &act, &err);
        if (rc != CG_OK) {
            fprintf(stderr, "demo: case %lld, %s: %s\n", (long long)case_id,
                    case_action_name(s->action), err.message);
            return rc;
        }
    }
    return CG_OK;
}

/* The city counts as built when its first demo street is there: the
 * city and district outlines are written before the main transaction, so
 * they alone may be left by a build that failed. */
static bool
already_built(struct demo *d)
{
    struct area a;

    return store_area_get(d->db, DEMO_CITY, &a) == CG_OK &&
           store_area_get(d->db, "150103003", &a) == CG_OK;
}

static int
add_users(struct demo *d)
{
    char hash[AUTH_HASH_LEN];
    struct user u;
    struct unit unit;
    int w, rc;

    for (w = 0; w < DU__COUNT; w++) {
        const struct demo_person *p = person((enum demo_who)w);
        int64_t unit_id = 0, id;

        if (p->unit) {
            if ((rc = store_unit_by_code(d->db, p->unit, &unit)) != CG_OK) {
                fprintf(stderr, "demo: unit %s is missing\n", p->unit);
                return rc;
            }
            unit_id = unit.id;
        }
        if ((rc = auth_password_hash(DEMO_PASSWORD, hash)) != CG_OK)
            return rc;
        rc = store_user_add(d->db, p->username, hash, p->role, p->area, unit_id,
                            p->display_name, p->phone, &id);
        if (rc == CG_OK)
            rc = store_user_get(d->db, id, &u);
        if (rc != CG_OK) {
            fprintf(stderr, "demo: user %s could not be added (%s)\n",
                    p->username, cg_strerror(rc));
            return rc;
        }
        d->users[w].id = id;
        d->users[w].role = p->role;
        d->users[w].unit_id = unit_id;
        d->users[w].name = p->display_name;
        d->users[w].phone = p->phone;
        str_copy(d->users[w].path, sizeof(d->users[w].path), u.area_path);
    }
    return CG_OK;
}

static void
print_signins(void)
{
    int w;

    printf("\nDemo sign-ins (password for every user: %s)\n\n", DEMO_PASSWORD);
    printf("  %-14s %-12s %-20s %s\n", "username", "role", "scope / unit",
           "who");
    for (w = 0; w < DU__COUNT; w++) {
        const struct demo_person *p = person((enum demo_who)w);

        printf("  %-14s %-12s %-20s %s\n", p->username, role_name(p->role),
               p->unit   ? p->unit
               : p->area ? p->area
                         : "-",
               p->about);
    }
}

/* Counts read back from the database, so they show what was stored. */
static void
print_summary(struct demo *d, double seconds)
{
    static const char *const levels[][2] = {
        {"city", "cities"},    {"district", "districts"},
        {"street", "streets"}, {"community", "communities"},
        {"grid", "grids"},     {"compound", "compounds"},
    };
    int64_t n;
    char lv[4], now[24];
    int i, s;

    printf("\ndemo city 呼和浩特市 built in %.1f s\n  areas:", seconds);
    for (i = 0; i < (int)(sizeof(levels) / sizeof(levels[0])); i++) {
        str_fmt(lv, sizeof(lv), "%d", i);
        db_scalar_int(d->db, 0, &n,
                      "SELECT COUNT(*) FROM areas WHERE level = ?", lv, NULL);
        printf("%s %lld %s", i ? "," : "", (long long)n, levels[i][n != 1]);
    }
    db_scalar_int(d->db, 0, &n,
                  "SELECT COUNT(*) FROM units WHERE kind = 'department'", NULL);
    printf("\n  units: %lld departments", (long long)n);
    db_scalar_int(d->db, 0, &n,
                  "SELECT COUNT(*) FROM units WHERE kind = 'territorial'",
                  NULL);
    printf(", %lld territorial offices\n", (long long)n);
    db_scalar_int(d->db, 0, &n, "SELECT COUNT(*) FROM users", NULL);
    printf("  users: %lld\n", (long long)n);
    db_scalar_int(d->db, 0, &n, "SELECT COUNT(*) FROM cases", NULL);
    printf("  cases: %lld:", (long long)n);
    for (s = ST_SUBMITTED; s < ST__COUNT; s++) {
        const char *name = case_state_name((enum case_state)s);

        db_scalar_int(d->db, 0, &n,
                      "SELECT COUNT(*) FROM cases WHERE state = ?", name, NULL);
        if (n)
            printf(" %s %lld", name, (long long)n);
    }
    str_fmt(now, sizeof(now), "%lld", (long long)cgtime_now());
    db_scalar_int(d->db, 0, &n,
                  "SELECT COUNT(*) FROM cases WHERE due_at < CAST(? AS BIGINT)"
                  " AND state NOT IN ('closed','rejected','withdrawn',"
                  "'merged')",
                  now, NULL);
    printf("\n         (%lld open past their deadline)\n", (long long)n);
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int
demo_build(struct app *app, const char *shared_data, bool quiet)
{
    struct timespec t0;
    struct demo d;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&d, 0, sizeof(d));
    d.app = app;
    d.db = store_db(app->store);
    d.quiet = quiet;
    d.rng = RNG_SEED;
    d.now = cgtime_now();
    if (already_built(&d)) {
        if (!quiet) {
            printf("the demo city is already in this database\n");
            print_signins();
        }
        return CG_OK;
    }
    d.maxgrids = MAX_GRIDS;
    d.grids = calloc(d.maxgrids, sizeof(*d.grids));
    if (!d.grids)
        return CG_ENOMEM;
    rc = demo_districts(&d, shared_data);
    if (rc == CG_OK && db_begin(d.db) != CG_OK)
        rc = CG_EDB;
    if (rc == CG_OK) {
        rc = demo_areas(&d);
        if (rc == CG_OK)
            rc = add_users(&d);
        if (rc == CG_OK)
            rc = demo_photos(&d);
        if (rc == CG_OK)
            rc = demo_stories(&d);
        if (rc == CG_OK)
            rc = demo_cases(&d);
        if (rc == CG_OK)
            rc = demo_messages(&d, shared_data);
        if (rc == CG_OK)
            rc = db_commit(d.db);
        if (rc != CG_OK) {
            db_rollback(d.db);
            app_reload_areas(app);
        }
    }
    free(d.grids);
    if (rc != CG_OK) {
        fprintf(stderr,
                "demo: the demo city could not be built (%s); only "
                "the city and district outlines were kept\n",
                cg_strerror(rc));
        return rc;
    }
    if (!quiet) {
        print_summary(&d, seconds_since(&t0));
        print_signins();
    }
    return CG_OK;
}

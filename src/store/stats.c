/*
 * stats.c - counting cases as of a moment.
 *
 * Each case's state, deadline, close time and rating at the moment are
 * read from its events (the last event at or before the moment), never
 * from the current row, so "as of last December" gives December's figures.
 *
 * Replaying every case's events costs seconds at a million cases, so the
 * figures of now come from the rollups instead (schema.c, migration 9):
 * counts kept per area, category, unit and day of report (stats_day) and
 * per street, big class, unit and month (stats_month) by triggers, from the
 * same definitions the replay uses.  They are the replay's figures
 * whenever the moment is not before any event or report, which the
 * default "now" is not.  Only "overdue" changes with the clock alone: it
 * is counted from the open cases at the moment.  A period that does not
 * begin or end at midnight (Beijing time) takes its partial days from the
 * cases themselves; whole months come from stats_month when the filters
 * and the grouping need nothing finer than a street and a big class.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "core/metrics.h"
#include "store/stats_sql.h"
#include "store/store.h"

/* Per-case snapshot at ?1 (the moment).  Later parameters filter. */
#define SNAPSHOT                                                               \
    "WITH snap AS (SELECT c.id, c.reported_at, c.area_path,"                   \
    " c.category_code, c.unit_id,"                                             \
    " (SELECT e.to_state FROM events e WHERE e.case_id = c.id"                 \
    "  AND e.at <= ?1 ORDER BY e.seq DESC LIMIT 1) AS st,"                     \
    " (SELECT e.due_at FROM events e WHERE e.case_id = c.id"                   \
    "  AND e.at <= ?1 AND e.due_at IS NOT NULL"                                \
    "  ORDER BY e.seq DESC LIMIT 1) AS due,"                                   \
    " (SELECT e.at FROM events e WHERE e.case_id = c.id AND e.at <= ?1"        \
    "  AND e.to_state = 'closed' AND COALESCE(e.from_state, '') <> 'closed'"   \
    "  ORDER BY e.seq DESC LIMIT 1) AS closed_at,"                             \
    " (SELECT e.rating FROM events e WHERE e.case_id = c.id"                   \
    "  AND e.at <= ?1 AND e.action IN ('rate', 'reopen')"                      \
    "  ORDER BY e.seq DESC LIMIT 1) AS rating,"                                \
    " CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id"         \
    "  AND e.at <= ?1 AND e.action IN ('handle', 'self_handle'))"              \
    "  THEN 1 ELSE 0 END AS hd,"                                               \
    " CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id"         \
    "  AND e.at <= ?1 AND e.action = 'rework') THEN 1 ELSE 0 END AS rw"        \
    " FROM cases c WHERE c.reported_at <= ?1"                                  \
    " AND (CAST(?2 AS TEXT) IS NULL"                                           \
    "  OR substr(c.area_path, 1, length(?2)) = ?2)"                            \
    " AND (CAST(?3 AS TEXT) IS NULL"                                           \
    "  OR substr(c.category_code, 1, length(?3)) = ?3)"                        \
    " AND (?4 = 0 OR c.unit_id = ?4)"                                          \
    " AND (?5 = 0 OR c.reported_at >= ?5)"                                     \
    " AND (?6 = 0 OR c.reported_at < ?6))"

#define OPEN_AT "st NOT IN ('closed','rejected','withdrawn','merged')"

/* Counts are sums of 1s and 0s: PostgreSQL does not add up booleans. */
#define COUNTS                                                                 \
    " SUM(CASE WHEN st NOT IN ('withdrawn','merged') THEN 1 ELSE 0 END),"      \
    " SUM(CASE WHEN st = 'withdrawn' THEN 1 ELSE 0 END),"                      \
    " SUM(CASE WHEN st = 'merged' THEN 1 ELSE 0 END),"                         \
    " SUM(CASE WHEN st = 'rejected' THEN 1 ELSE 0 END),"                       \
    " SUM(CASE WHEN st = 'closed' THEN 1 ELSE 0 END),"                         \
    " SUM(CASE WHEN st = 'closed' AND due IS NOT NULL AND closed_at <= due "   \
    "THEN 1 ELSE 0 END),"                                                      \
    " SUM(CASE WHEN " OPEN_AT " THEN 1 ELSE 0 END),"                           \
    " SUM(CASE WHEN " OPEN_AT                                                  \
    " AND due IS NOT NULL AND due < ?1 THEN 1 ELSE 0 END),"                    \
    " SUM(hd), SUM(rw),"                                                       \
    " SUM(CASE WHEN st = 'closed' AND rating IS NOT NULL THEN 1 ELSE 0 END),"  \
    " SUM(CASE WHEN st = 'closed' AND rating = 'satisfied' THEN 1 ELSE 0 "     \
    "END),"                                                                    \
    " SUM(CASE WHEN st = 'closed' AND rating = 'basically_satisfied' THEN 1 "  \
    "ELSE 0 END),"                                                             \
    " SUM(CASE WHEN st = 'closed' AND rating = 'unsatisfied' THEN 1 ELSE 0 "   \
    "END),"                                                                    \
    " COALESCE(SUM(CASE WHEN st = 'closed'"                                    \
    "  THEN closed_at - reported_at END), 0)"

/* Days and months of report, in Beijing time as the rollups have them. */
#define DAY_OFFSET  28800
#define DAY_SECONDS 86400

/* The street is the third level below the root: /city/district/street/. */
#define STREET_SLASHES 4

/* The columns every part of a rollup answer gives, in the order of
 * counts_from_row (overdue apart, as a 0 or counted on its own). */
#define ROLLUP_SUMS                                                            \
    " reported, withdrawn, merged, rejected, closed, closed_on_time, open,"    \
    " %s AS overdue, handled, reworked, rated, satisfied,"                     \
    " basically_satisfied, unsatisfied, close_seconds"

/* A case's share of the counts, from its stat_* columns, the overdue
 * among them (the view stats_cases says the same in the schema). */
#define CASE_SUMS STATS_CASE_COUNTS ", %s AS overdue," STATS_CASE_DONE

/* The longest filter made into a range of keys. */
#define PREFIX_LEN 512

/* A range [lo, hi) of days, months or seconds; hi <= lo is empty. */
struct span {
    int64_t lo, hi;
};

/* Where the figures of a period come from: partial days from the cases,
 * whole days from stats_day, whole months from stats_month. */
struct plan {
    struct span cases[2];
    struct span days[2];
    struct span months;
    /* The area and category filters as ranges of stats_day's keys in
     * byte order, so that an index finds the rows ("" when not). */
    char area_hi[PREFIX_LEN], category_hi[PREFIX_LEN];
    bool area_narrow; /* below the city, which everyone's scope starts at */
};

static void counts_from_row(struct db_stmt *st, int first,
                            struct metric_counts *c);
static int64_t day_of(int64_t t);
static int64_t day_start(int64_t day);
static int64_t month_of_day(int64_t day);
static int64_t month_first_day(int64_t month);
static int64_t month_next(int64_t month);
static int slashes(const char *s);
static bool months_serve(const struct stats_query *q, const char *by);
static void plan_period(const struct stats_query *q, bool months,
                        struct plan *p);
static void prefix_end(const char *prefix, bool (*last_ok)(char), char *out);
static bool ends_in_slash(char c);
static bool is_code_char(char c);
static void day_filters(struct db *db, struct buf *sql, const struct plan *p,
                        int i);
static int group_expr(struct db *db, struct buf *sql, const char *by,
                      const char *path, const char *category);
static void part_filters(struct buf *sql, const char *path,
                         const char *category, bool unit);
static int run_rows(struct db *db, const char *sql, const struct stats_query *q,
                    const struct plan *p, bool by, stats_row_cb cb, void *ctx);
static bool rollups_serve(struct db *db, const struct stats_query *q);
static int stats_replay(struct db *db, const struct stats_query *q,
                        const char *by, stats_row_cb cb, void *ctx);
static int stats_rollups(struct db *db, const struct stats_query *q,
                         const char *by, stats_row_cb cb, void *ctx);

static void
counts_from_row(struct db_stmt *st, int first, struct metric_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->reported = db_col_int(st, first + 0);
    c->withdrawn = db_col_int(st, first + 1);
    c->merged = db_col_int(st, first + 2);
    c->rejected = db_col_int(st, first + 3);
    c->closed = db_col_int(st, first + 4);
    c->closed_on_time = db_col_int(st, first + 5);
    c->open = db_col_int(st, first + 6);
    c->overdue = db_col_int(st, first + 7);
    c->handled = db_col_int(st, first + 8);
    c->reworked = db_col_int(st, first + 9);
    c->rated = db_col_int(st, first + 10);
    c->satisfied = db_col_int(st, first + 11);
    c->basically_satisfied = db_col_int(st, first + 12);
    c->unsatisfied = db_col_int(st, first + 13);
    /* Whole seconds add up exactly whichever way the rows are summed. */
    c->close_hours_sum = (double)db_col_int(st, first + 14) / 3600.0;
}

/* The day of report of a moment, as SQL's integer division gives it. */
static int64_t
day_of(int64_t t)
{
    return (t + DAY_OFFSET) / DAY_SECONDS;
}

static int64_t
day_start(int64_t day)
{
    return day * DAY_SECONDS - DAY_OFFSET;
}

/* A month as yyyymm, the way the schema's strftime/to_char writes it. */
static int64_t
month_of_day(int64_t day)
{
    time_t t = (time_t)(day * DAY_SECONDS);
    struct tm tm;

    gmtime_r(&t, &tm);
    return (int64_t)(tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

/* The day (since 1970-01-01) a yyyymm month begins on. */
static int64_t
month_first_day(int64_t month)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)(month / 100) - 1900;
    tm.tm_mon = (int)(month % 100) - 1;
    tm.tm_mday = 1;
    return (int64_t)timegm(&tm) / DAY_SECONDS;
}

static int64_t
month_next(int64_t month)
{
    return month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1;
}

static int
slashes(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '/';
    return n;
}

/*
 * Whether stats_month holds what the question needs: an area at street
 * level or above (strictly above when grouped by area, whose groups are
 * the next level down), a category of at most a big class (none when
 * grouped by category, whose groups are then the big classes).
 */
static bool
months_serve(const struct stats_query *q, const char *by)
{
    size_t cat = q->category ? strlen(q->category) : 0;
    int depth = q->area_path ? slashes(q->area_path) : 1;
    size_t len = q->area_path ? strlen(q->area_path) : 1;

    if (q->area_path && (len == 0 || q->area_path[len - 1] != '/'))
        return false;
    if (depth > STREET_SLASHES ||
        (by && strcmp(by, "area") == 0 && depth >= STREET_SLASHES))
        return false;
    if (cat > 2 || (by && strcmp(by, "category") == 0 && cat == 2))
        return false;
    return true;
}

/*
 * Cuts the period [from, to) (0: no bound) into the parts each source
 * answers exactly: the seconds before the first midnight and after the
 * last, the whole days, and of those the whole months when months serve.
 */
static void
plan_period(const struct stats_query *q, bool months, struct plan *p)
{
    int64_t dlo = INT64_MIN, dhi = INT64_MAX, mlo, mhi;

    memset(p, 0, sizeof(*p));
    prefix_end(q->area_path, ends_in_slash, p->area_hi);
    prefix_end(q->category, is_code_char, p->category_hi);
    p->area_narrow = q->area_path && slashes(q->area_path) > 2;
    if (q->from) {
        dlo = day_of(q->from);
        if (day_start(dlo) < q->from)
            dlo++;
    }
    if (q->to)
        dhi = day_of(q->to);
    if (q->from && q->to && dlo >= dhi) {
        /* Within a day or two: the cases themselves. */
        p->cases[0].lo = q->from;
        p->cases[0].hi = q->to;
        return;
    }
    if (q->from) {
        p->cases[0].lo = q->from;
        p->cases[0].hi = day_start(dlo);
    }
    if (q->to) {
        p->cases[1].lo = day_start(dhi);
        p->cases[1].hi = q->to;
    }
    p->days[0].lo = dlo;
    p->days[0].hi = dhi;
    if (!months)
        return;
    mlo = dlo == INT64_MIN ? INT64_MIN : month_of_day(dlo);
    if (mlo != INT64_MIN && month_first_day(mlo) < dlo)
        mlo = month_next(mlo);
    mhi = dhi == INT64_MAX ? INT64_MAX : month_of_day(dhi);
    if (mlo != INT64_MIN && mhi != INT64_MAX && mlo >= mhi)
        return;
    p->months.lo = mlo;
    p->months.hi = mhi;
    p->days[0].hi = mlo == INT64_MIN ? dlo : month_first_day(mlo);
    p->days[1].lo = mhi == INT64_MAX ? dhi : month_first_day(mhi);
    p->days[1].hi = dhi;
}

static bool
ends_in_slash(char c)
{
    return c == '/';
}

static bool
is_code_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

/*
 * The first string after every string that begins with prefix, in byte
 * order: the prefix with its last byte one higher ("/a/b/" -> "/a/b0").
 * Exactly the strings in [prefix, out) begin with it.  Left empty when the
 * last character is not one whose successor is plain ASCII.
 */
static void
prefix_end(const char *prefix, bool (*last_ok)(char), char *out)
{
    size_t n = prefix ? strlen(prefix) : 0;

    out[0] = '\0';
    if (n == 0 || n >= PREFIX_LEN || !last_ok(prefix[n - 1]))
        return;
    memcpy(out, prefix, n + 1);
    out[n - 1]++;
}

/*
 * The conditions on stats_day's part i besides the filters: its days, and
 * the area and category as key ranges (byte order: PostgreSQL compares in
 * the "C" collation, which its indexes of the table use).  The one most
 * likely to narrow the rows (an area below the city, else a category)
 * is left to SQLite's index; a unary plus keeps SQLite's planner, which
 * has no statistics, off the others (PostgreSQL's has them, and has no
 * unary plus for text).  The days are read in order of the key rather
 * than through an index of days: a month of a large city is a hundred
 * thousand rows, which a scan of the table reads faster than as many
 * look-ups from an index.
 */
static void
day_filters(struct db *db, struct buf *sql, const struct plan *p, int i)
{
    bool pg = strcmp(db_dialect_strpos(db), "strpos") == 0;
    const char *c = pg ? " COLLATE \"C\"" : "";
    bool cat = p->category_hi[0] != '\0';
    bool area = p->area_hi[0] != '\0' && (pg || p->area_narrow);
    const char *day_plus = !pg ? "+" : "";
    const char *cat_plus = !pg && area ? "+" : "";

    buf_printf(sql, " WHERE %sday >= ?%d AND %sday < ?%d", day_plus, 11 + 2 * i,
               day_plus, 12 + 2 * i);
    if (area)
        buf_printf(sql, " AND area_path%s >= ?2 AND area_path%s < ?17", c, c);
    if (cat)
        buf_printf(sql,
                   " AND %scategory_code%s >= ?3"
                   " AND %scategory_code%s < ?18",
                   cat_plus, c, cat_plus, c);
}

/* The group of a row, from the given path and category columns; the same
 * words as the replay's, so groups are named and ordered alike. */
static int
group_expr(struct db *db, struct buf *sql, const char *by, const char *path,
           const char *category)
{
    if (!by)
        buf_puts(sql, "''");
    else if (strcmp(by, "area") == 0)
        /* The path segment right below the filter area.  A case of the
         * filter area itself is "/", as SQLite's substr with a length of
         * -1 has always named it; PostgreSQL refuses such a length. */
        buf_printf(sql,
                   "CASE WHEN length(%s) <= length(COALESCE(?2, '/'))"
                   " THEN '/' ELSE substr(%s, length(COALESCE(?2, '/')) + 1,"
                   " %s(substr(%s, length(COALESCE(?2, '/'))"
                   " + 1), '/') - 1) END",
                   path, path, db_dialect_strpos(db), path);
    else if (strcmp(by, "category") == 0)
        buf_printf(sql,
                   "CASE WHEN length(COALESCE(?3, '')) = 2"
                   " THEN %s ELSE substr(%s, 1, 2) END",
                   category, category);
    else if (strcmp(by, "unit") == 0)
        buf_puts(sql, "CAST(COALESCE(unit_id, 0) AS TEXT)");
    else
        return CG_EINVAL;
    return CG_OK;
}

static void
part_filters(struct buf *sql, const char *path, const char *category, bool unit)
{
    buf_printf(sql,
               " AND (CAST(?2 AS TEXT) IS NULL"
               "  OR substr(%s, 1, length(?2)) = ?2)"
               " AND (CAST(?3 AS TEXT) IS NULL"
               "  OR substr(%s, 1, length(?3)) = ?3)",
               path, category);
    if (unit)
        buf_puts(sql, " AND (?4 = 0 OR unit_id = ?4)");
}

/* Binds the question and the plan's bounds (?7 on) and hands each row to
 * the callback. */
static int
run_rows(struct db *db, const char *sql, const struct stats_query *q,
         const struct plan *p, bool by, stats_row_cb cb, void *ctx)
{
    struct metric_counts counts;
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db, sql, &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, q->as_of);
    db_bind_text(st, 2, q->area_path);
    db_bind_text(st, 3, q->category);
    db_bind_int(st, 4, q->unit_id);
    db_bind_int(st, 5, q->from);
    db_bind_int(st, 6, q->to);
    if (p) {
        db_bind_int(st, 7, p->cases[0].lo);
        db_bind_int(st, 8, p->cases[0].hi);
        db_bind_int(st, 9, p->cases[1].lo);
        db_bind_int(st, 10, p->cases[1].hi);
        db_bind_int(st, 11, p->days[0].lo);
        db_bind_int(st, 12, p->days[0].hi);
        db_bind_int(st, 13, p->days[1].lo);
        db_bind_int(st, 14, p->days[1].hi);
        db_bind_int(st, 15, p->months.lo);
        db_bind_int(st, 16, p->months.hi);
        db_bind_text(st, 17, p->area_hi);
        db_bind_text(st, 18, p->category_hi);
    }
    while ((rc = db_step(st)) == DB_ROW) {
        if (!by && db_col_null(st, 1)) {
            memset(&counts, 0, sizeof(counts));
        } else {
            counts_from_row(st, 1, &counts);
        }
        rc = cb(db_col_text(st, 0) ? db_col_text(st, 0) : "", &counts, ctx);
        if (rc != CG_OK)
            break;
    }
    db_finalize(st);
    if (rc == DB_DONE)
        rc = CG_OK;
    return rc;
}

/* The rollups are the replay's figures at any moment no event and no
 * report comes after. */
static bool
rollups_serve(struct db *db, const struct stats_query *q)
{
    int64_t last_event = 0, last_report = 0;

    if (db_scalar_int(db, 0, &last_event,
                      "SELECT COALESCE(MAX(at), 0) FROM events",
                      (const char *)NULL) != CG_OK ||
        db_scalar_int(db, 0, &last_report,
                      "SELECT COALESCE(MAX(reported_at), 0) FROM cases",
                      (const char *)NULL) != CG_OK)
        return false;
    /* Days are cut by SQL's integer division, which rounds towards zero:
     * a period bound before 1970 would not fall on the days it says. */
    if (q->from < 0 || q->to < 0)
        return false;
    return q->as_of >= last_event && q->as_of >= last_report;
}

int
store_stats(struct db *db, const struct stats_query *q, const char *by,
            stats_row_cb cb, void *ctx)
{
    if (rollups_serve(db, q))
        return stats_rollups(db, q, by, cb, ctx);
    return stats_replay(db, q, by, cb, ctx);
}

/*
 * One statement over the parts of the plan: whole months, whole days,
 * partial days from the cases, and the overdue cases counted at the
 * moment; a group whose cases have all gone elsewhere (its rollup rows are
 * zeros) is left out, as the replay never sees it.
 */
static int
stats_rollups(struct db *db, const struct stats_query *q, const char *by,
              stats_row_cb cb, void *ctx)
{
    struct plan p;
    struct buf sql;
    int rc = CG_OK, i;
    bool months = months_serve(q, by);

    plan_period(q, months, &p);
    buf_init(&sql, 16384);
    buf_printf(&sql, "SELECT %s,", by ? "grp" : "''");
    buf_puts(&sql, " SUM(reported), SUM(withdrawn), SUM(merged),"
                   " SUM(rejected), SUM(closed), SUM(closed_on_time),"
                   " SUM(open), SUM(overdue), SUM(handled), SUM(reworked),"
                   " SUM(rated), SUM(satisfied), SUM(basically_satisfied),"
                   " SUM(unsatisfied), SUM(close_seconds) FROM (");
    /* The overdue: open cases past their deadline at the moment. */
    buf_puts(&sql, "SELECT ");
    rc = group_expr(db, &sql, by, "area_path", "category_code");
    buf_puts(&sql, " AS grp, 0 AS reported, 0 AS withdrawn, 0 AS merged,"
                   " 0 AS rejected, 0 AS closed, 0 AS closed_on_time,"
                   " 0 AS open, 1 AS overdue, 0 AS handled, 0 AS reworked,"
                   " 0 AS rated, 0 AS satisfied, 0 AS basically_satisfied,"
                   " 0 AS unsatisfied, 0 AS close_seconds"
                   " FROM cases WHERE " STATS_OPEN " AND stat_due_at < ?1"
                   " AND (?5 = 0 OR reported_at >= ?5)"
                   " AND (?6 = 0 OR reported_at < ?6)");
    part_filters(&sql, "area_path", "category_code", true);
    for (i = 0; i < 2 && rc == CG_OK; i++) {
        if (p.cases[i].hi <= p.cases[i].lo)
            continue;
        buf_puts(&sql, " UNION ALL SELECT ");
        rc = group_expr(db, &sql, by, "area_path", "category_code");
        buf_printf(&sql,
                   " AS grp," CASE_SUMS " FROM cases"
                   " WHERE stat_state IS NOT NULL"
                   " AND reported_at >= ?%d AND reported_at < ?%d",
                   "0", 7 + 2 * i, 8 + 2 * i);
        part_filters(&sql, "area_path", "category_code", true);
    }
    for (i = 0; i < 2 && rc == CG_OK; i++) {
        if (p.days[i].hi <= p.days[i].lo)
            continue;
        buf_puts(&sql, " UNION ALL SELECT ");
        rc = group_expr(db, &sql, by, "area_path", "category_code");
        buf_printf(&sql, " AS grp," ROLLUP_SUMS " FROM stats_day", "0");
        day_filters(db, &sql, &p, i);
        part_filters(&sql, "area_path", "category_code", true);
    }
    if (rc == CG_OK && p.months.hi > p.months.lo) {
        buf_puts(&sql, " UNION ALL SELECT ");
        rc = group_expr(db, &sql, by, "street_path", "big_class");
        buf_printf(&sql,
                   " AS grp," ROLLUP_SUMS " FROM stats_month"
                   " WHERE month >= ?15 AND month < ?16",
                   "0");
        part_filters(&sql, "street_path", "big_class", true);
    }
    buf_puts(&sql, ") parts");
    if (by)
        buf_puts(&sql, " GROUP BY grp"
                       " HAVING SUM(reported + withdrawn + merged) > 0"
                       " ORDER BY grp");
    if (rc == CG_OK)
        rc = run_rows(db, sql.data, q, &p, by != NULL, cb, ctx);
    buf_free(&sql);
    return rc;
}

/* Every case's events replayed up to the moment: exact at any moment,
 * and slow (a few correlated look-ups per case). */
static int
stats_replay(struct db *db, const struct stats_query *q, const char *by,
             stats_row_cb cb, void *ctx)
{
    struct buf sql;
    int rc;

    buf_init(&sql, 16384);
    buf_puts(&sql, SNAPSHOT " SELECT ");
    rc = group_expr(db, &sql, by, "area_path", "category_code");
    if (rc != CG_OK)
        goto out;
    buf_puts(&sql, " AS grp," COUNTS " FROM snap WHERE st IS NOT NULL");
    if (by)
        buf_puts(&sql, " GROUP BY grp ORDER BY grp");
    rc = run_rows(db, sql.data, q, NULL, by != NULL, cb, ctx);
out:
    buf_free(&sql);
    return rc;
}

/*
 * import311.c - `civicgrid import 311`: the service-request history of a
 * US city's 311 system, from its open-data CSV export.
 *
 * Each row becomes a case replayed through casework, the same path as the
 * live API: reported, accepted, dispatched to the agency and, for a closed
 * row, signed for, handled with the closing text and closed at the closed
 * time.  Unlike the JSON Lines history, a row that cannot be imported is
 * reported with its line number and reason and the rest go in, each row in
 * its own transaction.  A row whose ref ("<city>-<request id>") is already
 * there is skipped, so a rerun adds nothing.
 *
 * The city is an area of its own outside the national tree, with an office
 * that owns it; types become small classes under big class 90 and
 * agencies become departments, all created on first sight.  See
 * docs/import-311.md for how each column maps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/casework.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "cmd/demo_city.h"

#define MAX_CSV      (256UL * 1024 * 1024)
#define MAX_COLS     64
#define IMPORTED_BIG "90"
#define UNIT_SLUG    32

/* The fields of a case, each read from one column of the export. */
enum col {
    C_ID,
    C_OPENED,
    C_CLOSED,
    C_DUE,
    C_STATUS,
    C_TYPE,
    C_AGENCY,
    C_QUEUE,
    C_NOTE,
    C_CHANNEL,
    C_LAT,
    C_LON,
    C_PHOTO,
    C_CLOSED_PHOTO,
    C_TITLE,
    C_DETAIL,
    C_ADDRESS,
    C__COUNT
};

/* One city's export: its column names (NULL: the export has none) and
 * where its requests are filed. */
struct city {
    const char *format;    /* the --format name and the ref prefix */
    const char *area_code; /* outside the 6-digit national codes */
    const char *area_name;
    const char *office; /* the territorial office of the area */
    int std_offset;     /* standard time, minutes east of UTC */
    const char *closed; /* the status value of a closed request */
    const char *cols[C__COUNT];
};

static const struct city cities[] = {
    {"boston",
     "9900001",
     "Boston, MA (imported 311)",
     "Boston 311",
     -300,
     "Closed",
     {
         [C_ID] = "case_enquiry_id",
         [C_OPENED] = "open_dt",
         [C_CLOSED] = "closed_dt",
         [C_DUE] = "target_dt",
         [C_STATUS] = "case_status",
         [C_TYPE] = "type",
         [C_AGENCY] = "department",
         [C_QUEUE] = "queue",
         [C_NOTE] = "closure_reason",
         [C_CHANNEL] = "source",
         [C_LAT] = "latitude",
         [C_LON] = "longitude",
         [C_PHOTO] = "submittedphoto",
         [C_CLOSED_PHOTO] = "closedphoto",
         [C_TITLE] = "case_title",
         [C_ADDRESS] = "location",
     }},
    {"nyc",
     "9900002",
     "New York, NY (imported 311)",
     "NYC 311",
     -300,
     "Closed",
     {
         [C_ID] = "Unique Key",
         [C_OPENED] = "Created Date",
         [C_CLOSED] = "Closed Date",
         [C_DUE] = "Due Date",
         [C_STATUS] = "Status",
         [C_TYPE] = "Complaint Type",
         [C_AGENCY] = "Agency",
         [C_QUEUE] = "Agency Name",
         [C_NOTE] = "Resolution Description",
         [C_CHANNEL] = "Open Data Channel Type",
         [C_LAT] = "Latitude",
         [C_LON] = "Longitude",
         [C_TITLE] = "Descriptor",
         [C_ADDRESS] = "Incident Address",
     }},
    {"sf",
     "9900003",
     "San Francisco, CA (imported 311)",
     "SF 311",
     -480,
     "Closed",
     {
         [C_ID] = "CaseID",
         [C_OPENED] = "Opened",
         [C_CLOSED] = "Closed",
         [C_STATUS] = "Status",
         [C_TYPE] = "Category",
         [C_AGENCY] = "Responsible.Agency",
         [C_NOTE] = "Status.Notes",
         [C_CHANNEL] = "Source",
         [C_LAT] = "Lat",
         [C_LON] = "Long",
         [C_PHOTO] = "Media.URL",
         [C_TITLE] = "Request.Type",
         [C_DETAIL] = "Request.Details",
         [C_ADDRESS] = "Address",
     }},
};

/* A row read into the case's fields; "" for an empty cell. */
struct row {
    const char *v[C__COUNT];
};

struct tally {
    long imported, closed, open, already, skipped, nopoint;
};

static const struct city *city_find(const char *format);
static int header_map(const struct city *c, char **f, size_t n,
                      int idx[C__COUNT]);
static const char *cell(char **f, size_t n, int i);
static int64_t us_local(const struct city *c, int y, unsigned mo, unsigned d,
                        int h, int mi, int s);
static bool us_dst(int y, unsigned mo, unsigned d, int h);
static int64_t nth_sunday(int y, unsigned mo, int nth);
static int parse_time(const struct city *c, const char *s, int64_t *out);
static int city_setup(struct app *app, const struct city *c);
static int imported_class(struct db *db, const char *name, char *code,
                          size_t codelen);
static int agency_unit(struct db *db, const struct city *c, const char *name,
                       char *code, size_t codelen);
static int import_row(struct app *app, const struct city *c,
                      const struct row *r, bool *closed, char *why,
                      size_t whylen);
static int replay(struct app *app, const struct city *c, const struct row *r,
                  const int64_t when[3], bool closed, char *why, size_t whylen);
static void progress(long done, long total);
static long count_records(const char *path);
static long record_line(const struct demo_csv *csv);
static bool row_point(const struct row *r, double *lat, double *lon);
static void add_url(char *out, size_t outlen, const char *label,
                    const char *url);
static int skip(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Says why a row is skipped; returns CG_EINVAL. */
static int
skip(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return CG_EINVAL;
}

static const struct city *
city_find(const char *format)
{
    size_t i;

    for (i = 0; i < sizeof(cities) / sizeof(cities[0]); i++)
        if (strcmp(cities[i].format, format) == 0)
            return &cities[i];
    return NULL;
}

/* The column of each field in this file's header; a field the city has
 * but the header lacks refuses the file. */
static int
header_map(const struct city *c, char **f, size_t n, int idx[C__COUNT])
{
    size_t i;
    int k;

    for (k = 0; k < C__COUNT; k++) {
        idx[k] = -1;
        if (!c->cols[k])
            continue;
        for (i = 0; i < n; i++)
            if (strcmp(f[i], c->cols[k]) == 0)
                idx[k] = (int)i;
        if (idx[k] < 0) {
            fprintf(stderr,
                    "import 311: the header has no column '%s'; is this a "
                    "%s export?\n",
                    c->cols[k], c->format);
            return CG_EINVAL;
        }
    }
    return CG_OK;
}

/* A cell with surrounding blanks taken off; the exports write an empty
 * cell as "", " " or "NA". */
static const char *
cell(char **f, size_t n, int i)
{
    char *s, *e;

    if (i < 0 || (size_t)i >= n)
        return "";
    s = f[i];
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return strcmp(s, "NA") == 0 ? "" : s;
}

/* The day (days since 1970-01-01) of the nth Sunday of a month; nth 0
 * is the last. */
static int64_t
nth_sunday(int y, unsigned mo, int nth)
{
    int64_t first = cgtime_days_from_civil(y, mo, 1), day;
    int wd = (int)(((first + 4) % 7 + 7) % 7); /* 0: Sunday */

    day = first + (7 - wd) % 7;
    if (nth > 0)
        return day + 7 * (nth - 1);
    while (day + 7 < cgtime_days_from_civil(mo == 12 ? y + 1 : y,
                                            mo == 12 ? 1 : mo + 1, 1))
        day += 7;
    return day;
}

/*
 * Whether US daylight saving time holds at a wall-clock hour: from 2007,
 * the second Sunday of March to the first Sunday of November; from 1987,
 * the first Sunday of April to the last Sunday of October; the change at
 * 02:00 either way.  The hour that repeats in autumn is read as daylight
 * time (its first pass); the hour skipped in spring as daylight time too.
 */
static bool
us_dst(int y, unsigned mo, unsigned d, int h)
{
    int64_t day = cgtime_days_from_civil(y, mo, d), on, off;

    on = y >= 2007 ? nth_sunday(y, 3, 2) : nth_sunday(y, 4, 1);
    off = y >= 2007 ? nth_sunday(y, 11, 1) : nth_sunday(y, 10, 0);
    if (day < on || day > off)
        return false;
    if (day == on)
        return h >= 2;
    if (day == off)
        return h < 2;
    return true;
}

/* A wall-clock time in the city's zone as an instant. */
static int64_t
us_local(const struct city *c, int y, unsigned mo, unsigned d, int h, int mi,
         int s)
{
    int off = c->std_offset + (us_dst(y, mo, d, h) ? 60 : 0);
    int64_t t =
        cgtime_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;

    return t - (int64_t)off * 60;
}

/*
 * Reads the two shapes the exports use, in the city's local time:
 * "2022-01-01 00:06:00" (Boston, San Francisco) and "05/01/2022 12:00:03
 * AM" (New York).  CG_EINVAL on anything else or an impossible date.
 */
static int
parse_time(const struct city *c, const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec, n = 0, ny, nm, nd;
    char ampm[3] = "";

    if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &n) == 6 &&
        s[n] == '\0') {
        /* ISO shape */
    } else if (sscanf(s, "%2d/%2d/%4d %2d:%2d:%2d %2[AP]M%n", &mo, &d, &y, &h,
                      &mi, &sec, ampm, &n) == 7 &&
               s[n] == '\0' && h >= 1 && h <= 12) {
        h = h % 12 + (ampm[0] == 'P' ? 12 : 0);
    } else {
        return CG_EINVAL;
    }
    if (y < 1970 || y > 2100 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 59)
        return CG_EINVAL;
    cgtime_civil_from_days(cgtime_days_from_civil(y, (unsigned)mo, (unsigned)d),
                           &ny, (unsigned *)&nm, (unsigned *)&nd);
    if (nm != mo || nd != d)
        return CG_EINVAL;
    *out = us_local(c, y, (unsigned)mo, (unsigned)d, h, mi, sec);
    return CG_OK;
}

/* The city's area (no polygon: every case is filed under it by code), its
 * office, and the big class of imported types; kept when there. */
static int
city_setup(struct app *app, const struct city *c)
{
    struct db *db = store_db(app->store);
    struct category big;
    struct unit u;
    char ucode[CODE_LEN * 2];
    int rc = CG_OK;

    if (db_begin(db) != CG_OK)
        return CG_EDB;
    if (store_area_put(db, c->area_code, NULL, AREA_CITY, c->area_name, 0, NULL,
                       NULL) != CG_OK)
        rc = CG_EDB;
    str_fmt(ucode, sizeof(ucode), "office-%s", c->area_code);
    if (rc == CG_OK && store_unit_by_code(db, ucode, &u) != CG_OK &&
        store_unit_put(db, ucode, c->office, "territorial", c->area_code,
                       NULL) != CG_OK)
        rc = CG_EDB;
    if (rc == CG_OK && store_category_get(db, IMPORTED_BIG, &big) != CG_OK) {
        memset(&big, 0, sizeof(big));
        str_copy(big.code, sizeof(big.code), IMPORTED_BIG);
        str_copy(big.name, sizeof(big.name), "外部导入");
        if (store_category_put(db, &big, "imported", NULL, NULL) != CG_OK)
            rc = CG_EDB;
    }
    if (rc == CG_OK)
        rc = db_commit(db);
    if (rc != CG_OK)
        db_rollback(db);
    return rc;
}

/*
 * The small class under big class 90 named after a city's request type:
 * an existing one of the same name, else the next free code "90001",
 * "90002", ... in order of first sight in this deployment.  CG_ETOOBIG
 * when the 999 codes are used up.
 */
static int
imported_class(struct db *db, const char *name, char *code, size_t codelen)
{
    struct db_stmt *st;
    struct category k;
    int64_t next = 1;
    int rc;

    rc = db_prepare(db,
                    "SELECT code FROM categories WHERE parent = ?"
                    " AND name = ? ORDER BY code LIMIT 1",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, IMPORTED_BIG);
    db_bind_text(st, 2, name);
    rc = db_step(st);
    if (rc == DB_ROW)
        str_copy(code, codelen, db_col_text(st, 0));
    db_finalize(st);
    if (rc == DB_ROW)
        return CG_OK;
    rc = db_prepare(db,
                    "SELECT COALESCE(MAX(CAST(substr(code, 3) AS INTEGER)),"
                    " 0) + 1 FROM categories WHERE parent = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, IMPORTED_BIG);
    if (db_step(st) == DB_ROW)
        next = db_col_int(st, 0);
    db_finalize(st);
    if (next > 999)
        return CG_ETOOBIG;
    memset(&k, 0, sizeof(k));
    str_fmt(k.code, sizeof(k.code), "%s%03lld", IMPORTED_BIG, (long long)next);
    str_copy(k.parent, sizeof(k.parent), IMPORTED_BIG);
    str_copy(k.name, sizeof(k.name), name);
    str_utf8_clean(k.name);
    str_copy(k.level, sizeof(k.level), "general");
    if ((rc = store_category_put(db, &k, name, NULL, NULL)) != CG_OK)
        return rc;
    return str_copy(code, codelen, k.code);
}

/*
 * The department of a city's agency: code "<city>-<slug of the name>",
 * the slug cut at 32 characters and then followed by a hash of the whole
 * name so that two long names that start alike stay apart.
 */
static int
agency_unit(struct db *db, const struct city *c, const char *name, char *code,
            size_t codelen)
{
    char slug[UNIT_SLUG + 1];
    uint32_t h = 2166136261u;
    size_t i, n = 0;
    struct unit u;

    for (i = 0; name[i]; i++) {
        unsigned char ch = (unsigned char)name[i];
        h = (h ^ ch) * 16777619u;
        if (n < UNIT_SLUG &&
            ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            slug[n++] = (char)ch;
        else if (n < UNIT_SLUG && ch >= 'A' && ch <= 'Z')
            slug[n++] = (char)(ch - 'A' + 'a');
        else if (n < UNIT_SLUG && n && slug[n - 1] != '-')
            slug[n++] = '-';
    }
    slug[n] = '\0';
    if (i > UNIT_SLUG)
        str_fmt(code, codelen, "%s-%s-%08x", c->format, slug, (unsigned)h);
    else
        str_fmt(code, codelen, "%s-%s", c->format, slug);
    if (store_unit_by_code(db, code, &u) == CG_OK)
        return CG_OK;
    return store_unit_put(db, code, name, "department", c->area_code, NULL);
}

/* Appends "label url" to a text when the url is there. */
static void
add_url(char *out, size_t outlen, const char *label, const char *url)
{
    size_t n = strlen(out);

    if (url[0])
        str_fmt(out + n, outlen - n, "%s%s %s", n ? "\n" : "", label, url);
}

/*
 * Reports the case and replays its steps at the export's times (when:
 * opened, closed and due; 0 for none).  A closed
 * row is signed for when it was opened and handled and closed when it was
 * closed: the export has no times in between.
 */
static int
replay(struct app *app, const struct city *c, const struct row *r,
       const int64_t when[3], bool closed, char *why, size_t whylen)
{
    struct db *db = store_db(app->store);
    char ref[64], category[16], unit[CODE_LEN * 2], desc[4001], note[2001];
    char dnote[400];
    static const enum case_action steps[] = {ACT_ACCEPT, ACT_DISPATCH, ACT_SIGN,
                                             ACT_HANDLE, ACT_CLOSE};
    static const enum role roles[] = {ROLE_DISPATCHER, ROLE_DISPATCHER,
                                      ROLE_UNIT, ROLE_UNIT, ROLE_SUPERVISOR};
    struct cw_report rep;
    struct cw_actor who;
    struct cw_error cwe;
    double lat = 0, lon = 0;
    int64_t id;
    int64_t opened = when[0], closed_at = when[1], due = when[2];
    size_t i, nsteps = closed ? 5 : 2;

    str_fmt(ref, sizeof(ref), "%s-%s", c->format, r->v[C_ID]);
    if (imported_class(db, r->v[C_TYPE], category, sizeof(category)) != CG_OK) {
        str_fmt(why, whylen,
                "the type '%.64s' could not be filed under "
                "big class 90",
                r->v[C_TYPE]);
        return CG_EINVAL;
    }
    if (agency_unit(db, c, r->v[C_AGENCY], unit, sizeof(unit)) != CG_OK) {
        str_fmt(why, whylen, "the agency '%.64s' could not be stored",
                r->v[C_AGENCY]);
        return CG_EINVAL;
    }
    str_fmt(desc, sizeof(desc), "%s", r->v[C_TYPE]);
    if (r->v[C_TITLE][0] && strcmp(r->v[C_TITLE], r->v[C_TYPE]) != 0)
        str_fmt(desc + strlen(desc), sizeof(desc) - strlen(desc), ": %s",
                r->v[C_TITLE]);
    if (r->v[C_DETAIL][0])
        str_fmt(desc + strlen(desc), sizeof(desc) - strlen(desc), " (%s)",
                r->v[C_DETAIL]);
    add_url(desc, sizeof(desc), "Photo:", r->v[C_PHOTO]);
    str_utf8_clean(desc);

    memset(&rep, 0, sizeof(rep));
    memset(&who, 0, sizeof(who));
    who.history = true;
    who.p.role = ROLE_RESIDENT;
    rep.ref = ref;
    rep.category = category;
    rep.description = desc;
    rep.area_code = c->area_code;
    rep.address = r->v[C_ADDRESS][0] ? r->v[C_ADDRESS] : NULL;
    rep.channel = r->v[C_CHANNEL][0] ? r->v[C_CHANNEL] : "unknown";
    rep.reported_at = opened;
    rep.due_given = true;
    rep.due_at = due;
    if (row_point(r, &lat, &lon)) {
        rep.has_point = true;
        rep.lat = lat;
        rep.lon = lon;
    }
    if (casework_submit(app, &who, &rep, &id, &cwe) != CG_OK) {
        str_fmt(why, whylen, "report refused: %s", cwe.message);
        return CG_EINVAL;
    }
    note[0] = '\0';
    str_copy(note, sizeof(note), r->v[C_NOTE]);
    if (!note[0])
        str_copy(note, sizeof(note),
                 "Closed in the city's 311 system "
                 "without a closing text.");
    add_url(note, sizeof(note), "Photo:", r->v[C_CLOSED_PHOTO]);
    str_utf8_clean(note);
    if (r->v[C_QUEUE][0])
        str_fmt(dnote, sizeof(dnote), "%s: %s", c->cols[C_QUEUE],
                r->v[C_QUEUE]);
    else
        dnote[0] = '\0';
    str_utf8_clean(dnote);
    for (i = 0; i < nsteps; i++) {
        struct cw_action act;

        memset(&act, 0, sizeof(act));
        act.action = steps[i];
        act.at = i < 3 ? opened : closed_at;
        who.p.role = roles[i];
        if (steps[i] == ACT_DISPATCH) {
            act.unit_code = unit;
            act.note = dnote[0] ? dnote : NULL;
        } else if (steps[i] == ACT_HANDLE) {
            act.note = note;
        }
        if (casework_act(app, &who, id, &act, &cwe) != CG_OK) {
            str_fmt(why, whylen, "%s refused: %s", case_action_name(steps[i]),
                    cwe.message);
            return CG_EINVAL;
        }
    }
    return CG_OK;
}

/* Checks a row, then imports it in its own transaction.  CG_ECONFLICT when
 * its ref is there already; CG_EINVAL with why set when it is skipped. */
static int
import_row(struct app *app, const struct city *c, const struct row *r,
           bool *closed, char *why, size_t whylen)
{
    struct db *db = store_db(app->store);
    int64_t when[3] = {0, 0, 0}, existing;
    char ref[64];
    int rc;

    *closed = strcmp(r->v[C_STATUS], c->closed) == 0;
    if (!r->v[C_ID][0])
        return skip(why, whylen, "no request id");
    if (str_fmt(ref, sizeof(ref), "%s-%s", c->format, r->v[C_ID]) != CG_OK ||
        strlen(ref) > 60)
        return skip(why, whylen,
                    "the request id is too long for a ref of 60 characters");
    if (!r->v[C_OPENED][0])
        return skip(why, whylen, "no opened date");
    if (parse_time(c, r->v[C_OPENED], &when[0]) != CG_OK)
        return skip(why, whylen, "unreadable opened date '%.40s'",
                    r->v[C_OPENED]);
    if (!r->v[C_TYPE][0])
        return skip(why, whylen, "no request type");
    if (strlen(r->v[C_TYPE]) >= NAME_LEN)
        return skip(why, whylen, "the request type is over %d bytes",
                    NAME_LEN - 1);
    if (!r->v[C_AGENCY][0])
        return skip(why, whylen, "no agency");
    if (*closed && !r->v[C_CLOSED][0])
        return skip(why, whylen, "closed without a closed date");
    if (*closed && parse_time(c, r->v[C_CLOSED], &when[1]) != CG_OK)
        return skip(why, whylen, "unreadable closed date '%.40s'",
                    r->v[C_CLOSED]);
    if (*closed && when[1] < when[0])
        return skip(why, whylen, "closed (%s) before it was opened (%s)",
                    r->v[C_CLOSED], r->v[C_OPENED]);
    if (r->v[C_DUE][0] && parse_time(c, r->v[C_DUE], &when[2]) != CG_OK)
        return skip(why, whylen, "unreadable due date '%.40s'", r->v[C_DUE]);
    if (store_case_by_ref(db, ref, &existing) == CG_OK)
        return CG_ECONFLICT;
    if (db_begin(db) != CG_OK)
        return skip(why, whylen, "the database is busy");
    rc = replay(app, c, r, when, *closed, why, whylen);
    if (rc == CG_OK && db_commit(db) != CG_OK) {
        str_fmt(why, whylen, "the case could not be stored");
        rc = CG_EINVAL;
    }
    if (rc != CG_OK)
        db_rollback(db);
    return rc;
}

/* A bar on the terminal, redrawn at each whole percent. */
static void
progress(long done, long total)
{
    char bar[41];
    long pct = total ? done * 100 / total : 100, i;

    for (i = 0; i < 40; i++)
        bar[i] = i < pct * 40 / 100 ? '#' : ' ';
    bar[40] = '\0';
    fprintf(stderr, "\r[%s] %3ld%% %ld/%ld", bar, pct, done, total);
}

/* The line the next record starts on: blank lines before it are passed
 * over by the reader. */
static long
record_line(const struct demo_csv *csv)
{
    long line = csv->line;
    size_t i;

    for (i = csv->pos; i < csv->len; i++) {
        if (csv->buf[i] == '\n')
            line++;
        else if (csv->buf[i] != '\r')
            break;
    }
    return line;
}

/* Whether a row has a usable point; the export writes none as an empty
 * cell, and 0, 0 is no place a city is. */
static bool
row_point(const struct row *r, double *lat, double *lon)
{
    double y, x;

    if (str_to_double(r->v[C_LAT], &y) != CG_OK ||
        str_to_double(r->v[C_LON], &x) != CG_OK || y < -90 || y > 90 ||
        x < -180 || x > 180 || (y == 0 && x == 0))
        return false;
    if (lat)
        *lat = y;
    if (lon)
        *lon = x;
    return true;
}

/* Counts the records after the header, for the progress bar. */
static long
count_records(const char *path)
{
    struct demo_csv csv;
    char *f[MAX_COLS];
    size_t n;
    long total = -1;

    if (demo_csv_open(&csv, path, MAX_CSV) != CG_OK)
        return 0;
    while (demo_csv_next(&csv, f, MAX_COLS, &n) == CG_OK)
        total++;
    demo_csv_close(&csv);
    return total > 0 ? total : 0;
}

int
import_311_file(struct app *app, const char *format, const char *path,
                bool quiet)
{
    const struct city *c = city_find(format);
    struct tally t;
    struct demo_csv csv;
    char *f[MAX_COLS], why[400];
    int idx[C__COUNT], rc, k;
    long total, done = 0, shown = -1;
    bool bar, closed, drawn = false, broken = false;
    size_t n;

    if (!c) {
        fprintf(stderr, "import 311: --format must be boston, nyc or sf\n");
        return CG_EINVAL;
    }
    rc = demo_csv_open(&csv, path, MAX_CSV);
    if (rc != CG_OK) {
        fprintf(stderr, "import 311: cannot read %s%s\n", path,
                rc == CG_ETOOBIG ? ": it is over 256 MiB" : "");
        return rc;
    }
    if (demo_csv_next(&csv, f, MAX_COLS, &n) != CG_OK ||
        header_map(c, f, n, idx) != CG_OK) {
        fprintf(stderr, "import 311: %s: no usable header line\n", path);
        demo_csv_close(&csv);
        return CG_EINVAL;
    }
    if (city_setup(app, c) != CG_OK) {
        fprintf(stderr, "import 311: the area %s could not be stored\n",
                c->area_code);
        demo_csv_close(&csv);
        return CG_EDB;
    }
    bar = !quiet && isatty(STDERR_FILENO);
    total = bar ? count_records(path) : 0;
    memset(&t, 0, sizeof(t));
    for (;;) {
        struct row r;
        long line = record_line(&csv);
        bool said = false;

        rc = demo_csv_next(&csv, f, MAX_COLS, &n);
        if (rc == CG_ENOTFOUND)
            break;
        done++;
        if (drawn)
            fprintf(stderr, "\r\033[K");
        drawn = false;
        if (rc != CG_OK) {
            fprintf(stderr,
                    "%s:%ld: skipped: not a well-formed CSV record; the "
                    "rest of the file cannot be read\n",
                    path, line);
            t.skipped++;
            broken = true;
            break;
        }
        for (k = 0; k < C__COUNT; k++)
            r.v[k] = cell(f, n, idx[k]);
        rc = import_row(app, c, &r, &closed, why, sizeof(why));
        if (rc == CG_ECONFLICT) {
            t.already++;
        } else if (rc != CG_OK) {
            fprintf(stderr, "%s:%ld: skipped: %s\n", path, line, why);
            t.skipped++;
            said = true;
        } else {
            t.imported++;
            if (closed)
                t.closed++;
            else
                t.open++;
            if (!row_point(&r, NULL, NULL)) {
                fprintf(stderr,
                        "%s:%ld: imported without coordinates: filed "
                        "under area %s only\n",
                        path, line, c->area_code);
                t.nopoint++;
                said = true;
            }
        }
        if (bar && total && (said || done * 100 / total != shown)) {
            shown = done * 100 / total;
            progress(done, total);
            drawn = true;
        }
    }
    if (drawn)
        fprintf(stderr, "\r\033[K");
    demo_csv_close(&csv);
    if (!quiet)
        printf("imported %ld %s requests from %s into area %s (%ld closed, "
               "%ld open); %ld skipped, %ld already there; %ld without "
               "coordinates\n",
               t.imported, c->format, path, c->area_code, t.closed, t.open,
               t.skipped, t.already, t.nopoint);
    return broken ? CG_EINVAL : CG_OK;
}

/*
 * import.c - `civicgrid import`: areas from GeoJSON, case history from JSON
 * Lines.
 *
 * Both are all or nothing: the whole file is checked and written in one
 * transaction, and the first problem is reported with where it is.  Case
 * history is replayed event by event through the same lifecycle table and
 * the same code path as the live API, so an import can hold nothing the
 * platform itself could not have produced.  A case whose ref is already
 * there is skipped, so running the same file again adds nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/casework.h"
#include "api/validate.h"
#include "base/buf.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/cmd.h"

#define MAX_FILE   (512L * 1024 * 1024)
#define MAX_EVENTS 64

struct area_ctx {
    struct app *app;
    const char *level;
    const char *parent;
    int count;
    char err[256];
};

static int read_file(const char *path, struct buf *b);

static int
read_file(const char *path, struct buf *b)
{
    char chunk[65536];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f)
        return CG_ENOTFOUND;
    buf_init(b, MAX_FILE);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(b, chunk, n) != CG_OK) {
            fclose(f);
            buf_free(b);
            return CG_ETOOBIG;
        }
    fclose(f);
    return CG_OK;
}

/* The level of an area from its properties, the --level flag, or the
 * length of its national code. */
static int
feature_level(const json_t *props, const char *code, const char *flag)
{
    const char *lv = json_string_value(json_object_get(props, "level"));
    size_t n = strlen(code);
    int level;

    if (flag && area_level_parse(flag, &level) == CG_OK)
        return level;
    if (lv && area_level_parse(lv, &level) == CG_OK)
        return level;
    if (n == 6)
        return strcmp(code + 4, "00") == 0 ? AREA_CITY : AREA_DISTRICT;
    if (n == 9)
        return AREA_STREET;
    if (n == 12)
        return AREA_COMMUNITY;
    if (n == 15)
        return AREA_GRID;
    return -1;
}

/* The parent: a property, the --parent flag, or the code's own prefix
 * (a street's first six digits are its district). */
static void
feature_parent(struct area_ctx *c, const json_t *props, const char *code,
               int level, char *out, size_t outlen)
{
    const char *p = json_string_value(json_object_get(props, "parent"));
    struct area a;
    size_t n = strlen(code);

    out[0] = '\0';
    if (p) {
        str_copy(out, outlen, p);
        return;
    }
    if (c->parent) {
        str_copy(out, outlen, c->parent);
        return;
    }
    if (level == AREA_DISTRICT && n == 6)
        str_fmt(out, outlen, "%.4s00", code);
    else if (n == 9 || n == 12 || n == 15)
        str_fmt(out, outlen, "%.*s", (int)(n == 9 ? 6 : n - 3), code);
    if (out[0] && store_area_get(store_db(c->app->store), out, &a) != CG_OK)
        out[0] = '\0';
}

/* Every district, street and community gets an office as its territorial
 * owner, so that a case there always has someone to go to; an office that
 * is already there (perhaps renamed by an administrator) is kept. */
static int
territorial_unit(struct area_ctx *c, const char *code, const char *name,
                 int level)
{
    static const char *const suffix[] = {
        [AREA_DISTRICT] = "网格化服务管理中心",
        [AREA_STREET] = "办事处",
        [AREA_COMMUNITY] = "居委会",
    };
    char ucode[CODE_LEN * 2], uname[NAME_LEN * 2];
    struct unit u;
    int rc;

    if (level < AREA_DISTRICT || level > AREA_COMMUNITY)
        return CG_OK;
    str_fmt(ucode, sizeof(ucode), "office-%s", code);
    if (store_unit_by_code(store_db(c->app->store), ucode, &u) == CG_OK)
        return CG_OK;
    str_fmt(uname, sizeof(uname), "%s%s", name, suffix[level]);
    rc = store_unit_put(store_db(c->app->store), ucode, uname, "territorial",
                        code, NULL);
    if (rc != CG_OK)
        str_fmt(c->err, sizeof(c->err),
                "the office of area %s could not be "
                "stored",
                code);
    return rc;
}

static int
add_feature(const struct geo_feature *f, void *ctx)
{
    struct area_ctx *c = ctx;
    const json_t *codev = json_object_get(f->properties, "code");
    const char *name =
        json_string_value(json_object_get(f->properties, "name"));
    const char *grade =
        json_string_value(json_object_get(f->properties, "grade"));
    char code[CODE_LEN], parent[CODE_LEN];
    int level, rc;

    if (!codev)
        codev = json_object_get(f->properties, "adcode");
    if (json_is_integer(codev))
        str_fmt(code, sizeof(code), "%lld",
                (long long)json_integer_value(codev));
    else if (json_is_string(codev) && json_string_length(codev) < CODE_LEN)
        str_copy(code, sizeof(code), json_string_value(codev));
    else
        code[0] = '\0';
    if (!code[0] || !str_is_digits(code, strlen(code)) || !name) {
        str_fmt(c->err, sizeof(c->err),
                "feature %zu: properties need a numeric 'code' (or "
                "'adcode') and a 'name'",
                f->index);
        return CG_EINVAL;
    }
    level = feature_level(f->properties, code, c->level);
    if (level < 0) {
        str_fmt(c->err, sizeof(c->err),
                "feature %zu: cannot tell the level of area %s; give "
                "--level",
                f->index, code);
        return CG_EINVAL;
    }
    feature_parent(c, f->properties, code, level, parent, sizeof(parent));
    rc = store_area_put(store_db(c->app->store), code, parent, level, name,
                        grade && strchr("ABC", grade[0]) ? grade[0] : 0,
                        f->geometry, f->bbox);
    if (rc == CG_ENOTFOUND || rc == CG_EINVAL) {
        str_fmt(c->err, sizeof(c->err),
                rc == CG_ENOTFOUND
                    ? "feature %zu: the parent %s of area %s does not exist; "
                      "import it first"
                    : "feature %zu: the parent %s of area %s is not of a "
                      "higher level",
                f->index, parent, code);
        return rc;
    }
    if (rc != CG_OK) {
        str_fmt(c->err, sizeof(c->err),
                "feature %zu: area %s could not be "
                "stored",
                f->index, code);
        return rc;
    }
    c->count++;
    return territorial_unit(c, code, name, level);
}

/*
 * The coordinate system a FeatureCollection names in its "crs" member
 * ({"type": "name", "properties": {"name": "GCJ-02"}}, or an EPSG URN for
 * WGS-84); a file that names none is WGS-84, as RFC 7946 says.
 */
static int
file_crs(const struct buf *b, enum geo_crs *out)
{
    json_t *root = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
    const char *name = json_string_value(json_object_get(
        json_object_get(json_object_get(root, "crs"), "properties"), "name"));
    int rc = CG_OK;

    *out = GEO_WGS84;
    if (name) {
        if (strstr(name, "4326") || strstr(name, "CRS84"))
            *out = GEO_WGS84;
        else if (geo_crs_parse(name, out) != CG_OK)
            rc = CG_EINVAL;
    }
    json_decref(root);
    return rc;
}

int
import_areas_file(struct app *app, const char *path, const char *crs,
                  const char *level, const char *parent, bool quiet)
{
    struct db *db = store_db(app->store);
    struct area_ctx c;
    enum geo_crs from = GEO_WGS84;
    struct buf b;
    int rc;

    if (crs && geo_crs_parse(crs, &from) != CG_OK) {
        fprintf(stderr, "import areas: --crs must be wgs84 or gcj02\n");
        return CG_EINVAL;
    }
    if ((rc = read_file(path, &b)) != CG_OK) {
        fprintf(stderr, "import areas: cannot read %s: %s\n", path,
                rc == CG_ETOOBIG ? "it is over 512 MiB" : strerror(errno));
        return rc;
    }
    if (!crs && file_crs(&b, &from) != CG_OK) {
        fprintf(stderr,
                "import areas: %s names a coordinate system other "
                "than WGS-84 or GCJ-02\n",
                path);
        buf_free(&b);
        return CG_EINVAL;
    }
    memset(&c, 0, sizeof(c));
    c.app = app;
    c.level = level;
    c.parent = parent;
    if (db_begin(db) != CG_OK) {
        buf_free(&b);
        return CG_EDB;
    }
    rc = geojson_read(b.data, b.len, from, add_feature, &c, c.err,
                      sizeof(c.err));
    buf_free(&b);
    if (rc == CG_OK)
        rc = db_commit(db);
    if (rc != CG_OK) {
        db_rollback(db);
        fprintf(stderr, "import areas: %s: %s; nothing was imported\n", path,
                c.err[0] ? c.err : "cannot store");
        return rc;
    }
    app_reload_areas(app);
    if (!quiet)
        printf("imported %d area%s from %s\n", c.count, c.count == 1 ? "" : "s",
               path);
    return CG_OK;
}

/* The role that takes an action when the history does not say. */
static enum role
default_role(enum case_action a)
{
    switch (a) {
    case ACT_ACCEPT:
    case ACT_REJECT:
    case ACT_DISPATCH:
    case ACT_MERGE:
        return ROLE_DISPATCHER;
    case ACT_SIGN:
    case ACT_HANDLE:
    case ACT_RETURN:
    case ACT_EXTEND:
        return ROLE_UNIT;
    case ACT_SELF_HANDLE:
        return ROLE_GRID_WORKER;
    case ACT_WITHDRAW:
    case ACT_RATE:
    case ACT_REOPEN:
    case ACT_SUBMIT:
        return ROLE_RESIDENT;
    default:
        return ROLE_SUPERVISOR;
    }
}

/* A history line takes what the API takes for a report, with the same
 * limits, so an import holds nothing the platform could not have taken. */
static const struct field case_fields[] = {
    {"ref", F_STRING, true, 1, 60},
    {"category", F_STRING, true, 1, 16},
    {"lat", F_NUMBER, false, 0, 0},
    {"lon", F_NUMBER, false, 0, 0},
    {"area", F_STRING, false, 1, 24},
    {"description", F_STRING, true, 2, 4000},
    {"reported_at", F_STRING, true, 10, 40},
    {"channel", F_STRING, false, 1, 16},
    {"events", F_LIST, false, 0, MAX_EVENTS},
    {"title", F_STRING, false, 0, 100},
    {"address", F_STRING, false, 0, 200},
    {"reporter_name", F_STRING, false, 0, 50},
    {"reporter_phone", F_STRING, false, 0, 20},
    FIELDS_END,
};

static const struct field event_fields[] = {
    {"at", F_STRING, true, 10, 40},
    {"action", F_STRING, true, 1, 32},
    {"actor_role", F_STRING, false, 1, 16},
    {"note", F_STRING, false, 0, 2000},
    {"rating", F_STRING, false, 1, 32},
    {"unit", F_STRING, false, 1, 48},
    {"days", F_INT, false, 1, 60},
    {"target", F_INT, false, 1, 0},
    FIELDS_END,
};

/* Checks a line and all its events before anything of it is written. */
static int
check_line(const json_t *o, char *err, size_t errlen)
{
    struct field_error fe;
    const json_t *ev;
    size_t i;

    if (validate_fields(o, case_fields, &fe) != CG_OK) {
        str_copy(err, errlen, fe.message);
        return CG_EINVAL;
    }
    json_array_foreach(json_object_get(o, "events"), i, ev)
    {
        if (validate_fields(ev, event_fields, &fe) != CG_OK) {
            str_fmt(err, errlen, "event %zu: %s", i + 1, fe.message);
            return CG_EINVAL;
        }
    }
    return CG_OK;
}

/* Replays one case line.  Returns CG_OK, or CG_EINVAL with err set. */
static int
import_case(struct app *app, const json_t *o, int64_t *nevents, bool *skipped,
            char *err, size_t errlen)
{
    const char *ref = json_string_value(json_object_get(o, "ref"));
    const char *s;
    const json_t *events = json_object_get(o, "events"), *ev;
    struct cw_report rep;
    struct cw_actor who;
    struct cw_error cwe;
    int64_t id, last, existing;
    size_t i, first = 0;

    *skipped = false;
    if (check_line(o, err, errlen) != CG_OK)
        return CG_EINVAL;
    if (store_case_by_ref(store_db(app->store), ref, &existing) == CG_OK) {
        *skipped = true;
        return CG_OK;
    }
    memset(&rep, 0, sizeof(rep));
    memset(&who, 0, sizeof(who));
    who.history = true;
    who.p.role = ROLE_RESIDENT;
    rep.ref = ref;
    rep.category = json_string_value(json_object_get(o, "category"));
    rep.description = json_string_value(json_object_get(o, "description"));
    rep.title = json_string_value(json_object_get(o, "title"));
    rep.address = json_string_value(json_object_get(o, "address"));
    rep.reporter_name = json_string_value(json_object_get(o, "reporter_name"));
    rep.reporter_phone =
        json_string_value(json_object_get(o, "reporter_phone"));
    rep.channel = json_string_value(json_object_get(o, "channel"));
    rep.area_code = json_string_value(json_object_get(o, "area"));
    if (json_is_number(json_object_get(o, "lat")) &&
        json_is_number(json_object_get(o, "lon"))) {
        rep.has_point = true;
        rep.lat = json_number_value(json_object_get(o, "lat"));
        rep.lon = json_number_value(json_object_get(o, "lon"));
    }
    if (!rep.category || !rep.description || !*rep.description) {
        str_fmt(err, errlen, "'category' and 'description' are required");
        return CG_EINVAL;
    }
    s = json_string_value(json_object_get(o, "reported_at"));
    if (!s ||
        cgtime_parse(s, cgtime_display_offset, &rep.reported_at) != CG_OK) {
        str_fmt(err, errlen,
                "'reported_at' must be an ISO 8601 time with "
                "its offset");
        return CG_EINVAL;
    }
    /* A history may start with the report itself or a fix on the spot. */
    ev = json_array_get(events, 0);
    if (ev && (s = json_string_value(json_object_get(ev, "action")))) {
        if (strcmp(s, "submit") == 0 || strcmp(s, "self_handle") == 0) {
            const char *role =
                json_string_value(json_object_get(ev, "actor_role"));
            rep.self_handle = strcmp(s, "self_handle") == 0;
            rep.note = json_string_value(json_object_get(ev, "note"));
            who.p.role = rep.self_handle ? ROLE_GRID_WORKER : ROLE_RESIDENT;
            if (role && role_parse(role, &who.p.role) != CG_OK) {
                str_fmt(err, errlen, "event 1: unknown actor_role '%.32s'",
                        role);
                return CG_EINVAL;
            }
            first = 1;
        }
    }
    if (casework_submit(app, &who, &rep, &id, &cwe) != CG_OK) {
        str_fmt(err, errlen, "%s", cwe.message);
        return CG_EINVAL;
    }
    last = rep.reported_at;
    for (i = first; i < json_array_size(events); i++) {
        struct cw_action act;
        const char *role;
        ev = json_array_get(events, i);
        memset(&act, 0, sizeof(act));
        s = json_string_value(json_object_get(ev, "action"));
        if (!s || case_action_parse(s, &act.action) != CG_OK) {
            str_fmt(err, errlen, "event %zu: unknown action '%.32s'", i + 1,
                    s ? s : "");
            return CG_EINVAL;
        }
        s = json_string_value(json_object_get(ev, "at"));
        if (!s || cgtime_parse(s, cgtime_display_offset, &act.at) != CG_OK) {
            str_fmt(err, errlen, "event %zu: 'at' must be an ISO 8601 time",
                    i + 1);
            return CG_EINVAL;
        }
        if (act.at < last) {
            str_fmt(err, errlen,
                    "event %zu (%s) is earlier than the step "
                    "before it",
                    i + 1, case_action_name(act.action));
            return CG_EINVAL;
        }
        last = act.at;
        who.p.role = default_role(act.action);
        role = json_string_value(json_object_get(ev, "actor_role"));
        if (role && role_parse(role, &who.p.role) != CG_OK) {
            str_fmt(err, errlen, "event %zu: unknown actor_role '%.32s'", i + 1,
                    role);
            return CG_EINVAL;
        }
        act.note = json_string_value(json_object_get(ev, "note"));
        act.unit_code = json_string_value(json_object_get(ev, "unit"));
        act.days = (int)json_integer_value(json_object_get(ev, "days"));
        act.target = json_integer_value(json_object_get(ev, "target"));
        s = json_string_value(json_object_get(ev, "rating"));
        if (s && rating_parse(s, &act.rating) != CG_OK) {
            str_fmt(err, errlen, "event %zu: unknown rating '%.32s'", i + 1, s);
            return CG_EINVAL;
        }
        if (casework_act(app, &who, id, &act, &cwe) != CG_OK) {
            str_fmt(err, errlen, "event %zu (%s): %s", i + 1,
                    case_action_name(act.action), cwe.message);
            return CG_EINVAL;
        }
        (*nevents)++;
    }
    return CG_OK;
}

int
import_cases_file(struct app *app, const char *path, bool quiet)
{
    struct db *db = store_db(app->store);
    int64_t imported = 0, skipped = 0, nevents = 0;
    char err[400];
    const char *p, *end, *nl;
    struct buf b;
    long line = 0;
    bool progress;
    int rc = CG_OK;

    if ((rc = read_file(path, &b)) != CG_OK) {
        fprintf(stderr, "import cases: cannot read %s: %s\n", path,
                rc == CG_ETOOBIG ? "it is over 512 MiB" : strerror(errno));
        return rc;
    }
    if (db_begin(db) != CG_OK) {
        buf_free(&b);
        return CG_EDB;
    }
    progress = !quiet && isatty(STDERR_FILENO);
    p = b.data ? b.data : "";
    end = p + b.len;
    for (; p < end; p = nl + 1) {
        json_error_t jerr;
        json_t *o;
        bool skip;

        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        line++;
        if (nl == p || (nl - p == 1 && *p == '\r'))
            continue;
        o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
        if (!o || !json_is_object(o)) {
            str_fmt(err, sizeof(err), "not a JSON object (%s)",
                    o ? "another JSON value" : jerr.text);
            json_decref(o);
            rc = CG_EINVAL;
            break;
        }
        rc = import_case(app, o, &nevents, &skip, err, sizeof(err));
        json_decref(o);
        if (rc != CG_OK)
            break;
        if (skip)
            skipped++;
        else
            imported++;
        /* Progress only for a person watching a terminal. */
        if (progress && imported % 1000 == 0 && imported)
            fprintf(stderr, "\r%lld cases...", (long long)imported);
    }
    buf_free(&b);
    if (rc == CG_OK)
        rc = db_commit(db);
    if (rc != CG_OK) {
        db_rollback(db);
        fprintf(stderr,
                "%s%s:%ld: %s\nimport cases: the file was refused "
                "whole; nothing was imported\n",
                progress && imported >= 1000 ? "\n" : "", path, line, err);
        return CG_EINVAL;
    }
    if (!quiet)
        printf("%simported %lld cases with %lld events from %s; %lld "
               "already there were skipped\n",
               progress && imported >= 1000 ? "\n" : "", (long long)imported,
               (long long)nevents, path, (long long)skipped);
    return CG_OK;
}

static void
usage(void)
{
    printf("Usage: civicgrid import areas FILE.geojson [--crs wgs84|gcj02] "
           "[--level LEVEL]\n"
           "                              [--parent CODE]\n"
           "       civicgrid import cases FILE.jsonl\n"
           "       civicgrid import 311 --format boston|nyc|sf FILE.csv\n\n"
           "areas: a GeoJSON FeatureCollection or a bare array of Features "
           "(Polygon or\nMultiPolygon) whose properties have 'code' (or "
           "'adcode') and 'name', and\noptionally 'level', 'parent' and "
           "'grade' (A, B or C).  Coordinates are\nWGS-84 unless --crs "
           "gcj02 is given.\n\n"
           "cases: JSON Lines, one case a line: {\"ref\", \"category\", "
           "\"lat\", \"lon\" or\n\"area\", \"description\", \"reported_at\", "
           "\"channel\", \"events\": [{\"at\", \"action\",\n\"actor_role\", "
           "\"note\", \"rating\"}]}.  Each event is replayed through the "
           "lifecycle;\nthe first illegal step refuses the whole file.  Cases "
           "whose ref is already\nthere are skipped.\n\n"
           "311: a US city's 311 export as its open-data portal writes it "
           "(Boston, New\nYork or San Francisco columns).  Each row becomes "
           "a case in the city's own\narea (9900001 Boston, 9900002 New "
           "York, 9900003 San Francisco); a row that\ncannot be imported is "
           "reported with its line number and skipped, the rest go\nin.  "
           "Requests whose ref is already there are skipped; see "
           "docs/import-311.md.\n\n");
    config_usage(SET_OPEN);
}

int
cmd_import(int argc, char **argv)
{
    const char *crs = NULL, *level = NULL, *parent = NULL, *format = NULL;
    const char *file = NULL;
    struct store *store;
    struct config cfg;
    struct app app;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    for (i = 2; i < argc; i++) {
        const char **dst = strcmp(argv[i], "--crs") == 0      ? &crs
                           : strcmp(argv[i], "--level") == 0  ? &level
                           : strcmp(argv[i], "--parent") == 0 ? &parent
                           : strcmp(argv[i], "--format") == 0 ? &format
                                                              : NULL;
        if (!dst && !file && argv[i][0] != '-') {
            file = argv[i];
            continue;
        }
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "import: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
        *dst = argv[++i];
    }
    if (argc >= 2 && strcmp(argv[1], "311") == 0 && !format) {
        fprintf(stderr, "import 311: give --format boston, nyc or sf\n");
        return 2;
    }
    if (argc < 3 || !file ||
        (strcmp(argv[1], "areas") != 0 && strcmp(argv[1], "cases") != 0 &&
         strcmp(argv[1], "311") != 0) ||
        (strcmp(argv[1], "311") == 0) != (format != NULL)) {
        usage();
        return 2;
    }
    if (cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    if (strcmp(argv[1], "areas") != 0)
        cmd_warn_calendar(&app);
    if (strcmp(argv[1], "areas") == 0)
        rc = import_areas_file(&app, file, crs, level, parent, false);
    else if (strcmp(argv[1], "311") == 0)
        rc = import_311_file(&app, format, file, false);
    else
        rc = import_cases_file(&app, file, false);
    /* What was imported is searchable as soon as the command is done. */
    if (rc == CG_OK)
        rc = store_search_settle(store);
    app_free(&app);
    store_close(store);
    return rc == CG_OK ? 0 : 1;
}

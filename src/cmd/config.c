/*
 * config.c - settings from defaults, an optional file, the environment and
 * the command line.
 *
 * The file holds `key = value` lines (# comments); keys are the long flag
 * names without dashes (db, listen, blob-dir, ...), and each has an
 * environment variable CIVICGRID_<KEY> with dashes as underscores.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/cmd.h"

struct option_def {
    const char *name;
    size_t off;
    size_t len;
    const char *help;
    bool needed;  /* may not be empty */
    unsigned bit; /* SET_* */
};

#define OPTION(n, field, h, needed, bit)                                       \
    {                                                                          \
        n, offsetof(struct config, field),                                     \
            sizeof(((struct config *)0)->field), h, needed, bit                \
    }
#define OPT(n, field, h, bit)    OPTION(n, field, h, false, bit)
#define NEEDED(n, field, h, bit) OPTION(n, field, h, true, bit)

static const struct option_def options[] = {
    NEEDED("db", db, "SQLite database file (default ./civicgrid.db)", SET_DB),
    NEEDED("listen", listen, "address to serve on (default 127.0.0.1:8080)",
           SET_LISTEN),
    NEEDED("blob-dir", blob_dir, "folder of stored photos (default ./blobs)",
           SET_BLOB_DIR),
    NEEDED("web-dir", web_dir, "folder of the web UI (default ./web)",
           SET_WEB_DIR),
    OPT("calendar", calendar,
        "working calendar file (default data/calendar/cn.txt if present)",
        SET_CALENDAR),
    NEEDED("city", city, "national code of the city served (default 150100)",
           SET_CITY),
    OPT("tile-url", tile_url,
        "map tile URL template for the UI, e.g. https://t/{z}/{x}/{y}.png "
        "(default none: areas are drawn from their polygons)",
        SET_TILE_URL),
    NEEDED("log-level", log_level, "debug, info, warn or error (default info)",
           SET_LOG_LEVEL),
    OPT("shared-data", shared_data,
        "folder of the real data files (default ../shared/data)",
        SET_SHARED_DATA),
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* The settings that are counts, from 1 to max. */
struct count_option {
    const char *name;
    size_t off;
    int64_t max;
    const char *help;
    unsigned bit; /* SET_* */
};

static const struct count_option counts[] = {
    {"threads", offsetof(struct config, threads), 256,
     "threads serving connections (default two per core, at least 4)",
     SET_THREADS},
    {"writers", offsetof(struct config, writers), 1024,
     "workers for reports and steps, each waiting for its write to be on "
     "disk (default 16)",
     SET_WRITERS},
    {"per-address", offsetof(struct config, per_address), 100000,
     "connections one client address may hold (default 64; behind a "
     "proxy, more than the proxy opens)",
     SET_PER_ADDRESS},
};

#define NCOUNTS (sizeof(counts) / sizeof(counts[0]))

static int set_option(struct config *cfg, const char *name, const char *value,
                      const char *source);

static int
set_option(struct config *cfg, const char *name, const char *value,
           const char *source)
{
    size_t i;

    for (i = 0; i < NCOUNTS; i++) {
        const struct count_option *c = &counts[i];
        int64_t n;
        if (strcmp(c->name, name) != 0)
            continue;
        if (str_to_i64(value, 1, c->max, &n) != CG_OK) {
            fprintf(stderr, "%s: %s must be 1 to %lld\n", source, name,
                    (long long)c->max);
            return CG_EINVAL;
        }
        *(unsigned *)((char *)cfg + c->off) = (unsigned)n;
        return CG_OK;
    }
    for (i = 0; i < NOPTIONS; i++) {
        enum log_level lv;
        if (strcmp(options[i].name, name) != 0)
            continue;
        /* An empty path or address (--db=$UNSET) would be taken for one:
         * SQLite opens a throwaway database for an empty file name. */
        if (!*value && options[i].needed) {
            fprintf(stderr, "%s: %s must not be empty\n", source, name);
            return CG_EINVAL;
        }
        if (strcmp(name, "log-level") == 0 &&
            log_parse_level(value, &lv) != 0) {
            fprintf(stderr,
                    "%s: log-level must be debug, info, warn or error\n",
                    source);
            return CG_EINVAL;
        }
        if (str_copy((char *)cfg + options[i].off, options[i].len, value) !=
            CG_OK) {
            fprintf(stderr, "%s: the value of %s is too long\n", source, name);
            return CG_EINVAL;
        }
        return CG_OK;
    }
    return CG_ENOTFOUND;
}

static int
load_file(struct config *cfg, const char *path)
{
    char line[1024], src[600];
    FILE *f = fopen(path, "r");
    int n = 0, rc;

    if (!f) {
        fprintf(stderr, "cannot read the configuration file %s\n", path);
        return CG_EINVAL;
    }
    while (fgets(line, sizeof(line), f)) {
        char *eq, *k, *v, *end;
        n++;
        k = line;
        while (isspace((unsigned char)*k))
            k++;
        if (*k == '#' || *k == '\0')
            continue;
        eq = strchr(k, '=');
        if (!eq) {
            fprintf(stderr, "%s:%d: expected key = value\n", path, n);
            fclose(f);
            return CG_EINVAL;
        }
        *eq = '\0';
        v = eq + 1;
        for (end = eq; end > k && isspace((unsigned char)end[-1]); end--)
            ;
        *end = '\0';
        while (isspace((unsigned char)*v))
            v++;
        for (end = v + strlen(v); end > v && isspace((unsigned char)end[-1]);
             end--)
            ;
        *end = '\0';
        str_fmt(src, sizeof(src), "%s:%d", path, n);
        rc = set_option(cfg, k, v, src);
        if (rc == CG_ENOTFOUND)
            fprintf(stderr, "%s: unknown setting '%s'\n", src, k);
        if (rc != CG_OK) {
            fclose(f);
            return CG_EINVAL;
        }
    }
    fclose(f);
    return CG_OK;
}

void
config_usage(unsigned which)
{
    size_t i;

    printf("Settings (flag, or CIVICGRID_<NAME> in the environment, or "
           "name = value\nin the file given by --config / "
           "CIVICGRID_CONFIG):\n");
    for (i = 0; i < NOPTIONS; i++)
        if (options[i].bit & which)
            printf("  --%-12s %s\n", options[i].name, options[i].help);
    for (i = 0; i < NCOUNTS; i++)
        if (counts[i].bit & which)
            printf("  --%-12s %s\n", counts[i].name, counts[i].help);
    printf("  --%-12s %s\n", "config", "a configuration file");
}

int
config_load(struct config *cfg, int *argc, char **argv)
{
    const char *file = getenv("CIVICGRID_CONFIG");
    int i, out = 1, rc;
    size_t k;

    memset(cfg, 0, sizeof(*cfg));
    str_copy(cfg->db, sizeof(cfg->db), "civicgrid.db");
    str_copy(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8080");
    str_copy(cfg->blob_dir, sizeof(cfg->blob_dir), "blobs");
    str_copy(cfg->web_dir, sizeof(cfg->web_dir), "web");
    str_copy(cfg->city, sizeof(cfg->city), "150100");
    str_copy(cfg->log_level, sizeof(cfg->log_level), "info");
    str_copy(cfg->shared_data, sizeof(cfg->shared_data), "../shared/data");
    cfg->threads = 0; /* two per core (http_server_start) */
    cfg->writers = 16;
    cfg->per_address = 64;
    for (i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc)
            file = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            file = argv[i] + 9;
    }
    if (file && load_file(cfg, file) != CG_OK)
        return CG_EINVAL;
    for (k = 0; k < NOPTIONS + NCOUNTS; k++) {
        const char *name =
            k < NOPTIONS ? options[k].name : counts[k - NOPTIONS].name;
        char env[64], *p;
        const char *v;
        str_fmt(env, sizeof(env), "CIVICGRID_%s", name);
        for (p = env; *p; p++)
            *p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
        /* An empty variable is an unset one, as for most tools. */
        if ((v = getenv(env)) && *v && set_option(cfg, name, v, env) != CG_OK)
            return CG_EINVAL;
    }
    for (i = 1; i < *argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        char name[32];
        /* --name=value, as many tools take it. */
        if (strncmp(a, "--", 2) == 0 && eq &&
            (size_t)(eq - a - 2) < sizeof(name)) {
            memcpy(name, a + 2, (size_t)(eq - a - 2));
            name[eq - a - 2] = '\0';
            if (strcmp(name, "config") == 0)
                continue;
            rc = set_option(cfg, name, eq + 1, a);
            if (rc == CG_OK)
                continue;
            if (rc != CG_ENOTFOUND)
                return rc;
        } else if (strncmp(a, "--", 2) == 0 && i + 1 < *argc) {
            if (strcmp(a, "--config") == 0) {
                i++;
                continue;
            }
            rc = set_option(cfg, a + 2, argv[i + 1], a);
            if (rc == CG_OK) {
                i++;
                continue;
            }
            if (rc != CG_ENOTFOUND)
                return rc;
        }
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    if (cfg->calendar[0] == '\0') {
        FILE *f = fopen("data/calendar/cn.txt", "r");
        if (f) {
            fclose(f);
            str_copy(cfg->calendar, sizeof(cfg->calendar),
                     "data/calendar/cn.txt");
        }
    }
    return CG_OK;
}

void
cmd_warn_calendar(const struct app *app)
{
    char why[256];

    if (app_calendar_warning(app, cgtime_now(), why, sizeof(why)))
        fprintf(stderr, "warning: %s\n", why);
}

int
cmd_open(const struct config *cfg, struct store **store, struct app *app)
{
    enum log_level lv;
    char err[256];
    int64_t ncat = 0;
    int rc;

    if (log_parse_level(cfg->log_level, &lv) == 0)
        log_set_level(lv);
    rc = store_open(cfg->db, store);
    if (rc != CG_OK) {
        fprintf(stderr, "cannot open the database %s\n", cfg->db);
        return rc;
    }
    rc = store_migrate(store_db(*store));
    if (rc != CG_OK) {
        fprintf(stderr, "cannot bring the database schema up to date\n");
        store_close(*store);
        return rc;
    }
    /* A new database starts with the national category catalogue, so a
     * deployment can take reports before anyone has edited it. */
    if (db_scalar_int(store_db(*store), 0, &ncat,
                      "SELECT COUNT(*) FROM categories", NULL) == CG_OK &&
        ncat == 0 && seed_catalog(store_db(*store)) != CG_OK) {
        fprintf(stderr, "cannot load the category catalogue\n");
        store_close(*store);
        return CG_EDB;
    }
    app_init(app, *store);
    str_copy(app->blob_dir, sizeof(app->blob_dir), cfg->blob_dir);
    str_copy(app->city_code, sizeof(app->city_code), cfg->city);
    str_copy(app->tile_url, sizeof(app->tile_url), cfg->tile_url);
    if (cfg->calendar[0] && calendar_load_file(app->cal, cfg->calendar, err,
                                               sizeof(err)) != CG_OK) {
        fprintf(stderr, "calendar %s: %s\n", cfg->calendar, err);
        app_free(app);
        store_close(*store);
        return CG_EINVAL;
    }
    cgtime_display_offset = calendar_offset_min(app->cal);
    app_reload_areas(app);
    return CG_OK;
}

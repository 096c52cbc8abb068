/*
 * cmd.h - the subcommands of the civicgrid program and their shared
 * configuration.
 */
#ifndef CG_CMD_H
#define CG_CMD_H

#include <stdbool.h>

#include "api/app.h"

/* Settings, from lowest to highest precedence: built-in defaults, the
 * configuration file, CIVICGRID_* environment variables, flags. */
struct config {
    char db[512];
    char listen[64];
    char blob_dir[512];
    char web_dir[512];
    char calendar[512];
    char city[CODE_LEN];
    char tile_url[256];
    char log_level[16];
    char shared_data[512];
    unsigned threads;     /* serving connections */
    unsigned writers;     /* handling writes (http.h, ROUTE_WRITES) */
    unsigned per_address; /* connections one client address may hold */
};

/* Fills cfg from defaults, file and environment, then consumes the common
 * flags (--db, --listen, --config, ...) from argv, leaving the rest in
 * place and their count in *argc.  Prints the reason and returns CG_EINVAL
 * on a bad value. */
int config_load(struct config *cfg, int *argc, char **argv);
/* The settings a command reads, for its --help. */
#define SET_DB          (1u << 0)
#define SET_LISTEN      (1u << 1)
#define SET_BLOB_DIR    (1u << 2)
#define SET_WEB_DIR     (1u << 3)
#define SET_CALENDAR    (1u << 4)
#define SET_CITY        (1u << 5)
#define SET_TILE_URL    (1u << 6)
#define SET_LOG_LEVEL   (1u << 7)
#define SET_SHARED_DATA (1u << 8)
#define SET_THREADS     (1u << 9)
#define SET_WRITERS     (1u << 10)
#define SET_PER_ADDRESS (1u << 11)
/* Those cmd_open() reads that matter beyond the server. */
#define SET_OPEN                                                               \
    (SET_DB | SET_BLOB_DIR | SET_CALENDAR | SET_CITY | SET_LOG_LEVEL)
#define SET_ALL (~0u)
/* Prints for --help the settings `which` (SET_*) a command reads.  Every
 * command takes the others too (from one configuration file for all),
 * checks their values and does not use them. */
void config_usage(unsigned which);

/* Opens the store, migrates it, and sets up the app from cfg. */
int cmd_open(const struct config *cfg, struct store **store, struct app *app);
/* For a command that sets deadlines: says on standard error when the
 * working calendar names no holidays for the days ahead (none was found,
 * or it ends too soon), as the server does. */
void cmd_warn_calendar(const struct app *app);

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_client(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_dedupe_eval(int argc, char **argv);
int cmd_backup(int argc, char **argv);
/* Copies the stored photos the folder `to` lacks (they never change, so a
 * photo already there is the same photo). */
int cmd_copy_blobs(const char *from, const char *to, size_t *copied,
                   size_t *kept);
int cmd_restore(int argc, char **argv);

/* The national category catalogue and the departments that own its
 * classes; safe to run again. */
int seed_catalog(struct db *db);

/* Builds the demo city (areas, units, users, sample cases) into an opened
 * app; shared_data is the folder of the real data files, which may be
 * absent.  Prints the demo sign-ins. */
int demo_build(struct app *app, const char *shared_data, bool quiet);

/* Import helpers, also used by the demo. */
int import_areas_file(struct app *app, const char *path, const char *crs,
                      const char *level, const char *parent, bool quiet);
int import_cases_file(struct app *app, const char *path, bool quiet);
/* A US city's 311 export (format "boston", "nyc" or "sf"): each row a
 * case, a row that cannot be imported reported on stderr and skipped. */
int import_311_file(struct app *app, const char *format, const char *path,
                    bool quiet);

#endif

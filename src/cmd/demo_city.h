/*
 * demo_city.h - what the parts of the demo city share: the people, the
 * generated grids, the named places of the founding stories and the
 * sample photos.
 */
#ifndef CG_DEMO_CITY_H
#define CG_DEMO_CITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/casework.h"
#include "cmd/cmd.h"

#define DEMO_CITY     "150100"
#define DEMO_DISTRICT "150103" /* 回民区, where the hotline messages go */
#define DEMO_PASSWORD "civicgrid-demo"

/* The demo sign-ins, in the order they are printed. */
enum demo_who {
    DU_ADMIN,
    DU_DISPATCHER,
    DU_SUPERVISOR,
    DU_HM_SUPERVISOR,
    DU_GRIDWORKER,
    DU_COMMUNITY,
    DU_SANITATION,
    DU_LANDSCAPE,
    DU_RESIDENT1,
    DU_RESIDENT2,
    DU__COUNT
};

struct demo_user {
    int64_t id;
    enum role role;
    char path[PATH_LEN]; /* scope */
    int64_t unit_id;
    const char *name, *phone;
};

/* A generated unit grid: its code, where it lies and what it is called. */
struct demo_grid {
    char code[CODE_LEN];
    char place[NAME_LEN]; /* "光明路街道电子路社区" */
    double box[4];        /* min lon, min lat, max lon, max lat (WGS-84) */
};

/* The places of the founding stories. */
enum demo_place { PL_JINGHUA, PL_XINGSONG, PL_PARK, PL__COUNT };

struct demo_site {
    char code[CODE_LEN];
    double lon, lat; /* a point inside it */
};

/* Sample photos; PH_NONE means no photo. */
enum demo_photo {
    PH_NONE,
    PH_TILE_BROKEN,
    PH_TILE_FIXED,
    PH_WASTE,
    PH_TREE_PITS,
    PH_TREE_PITS_CLEARED,
    PH_NOTICE,
    PH_SCENE,
    PH_FIXED,
    PH__COUNT
};

struct demo {
    struct app *app;
    struct db *db;
    bool quiet;
    uint64_t rng;
    int64_t now;
    struct demo_user users[DU__COUNT];
    struct demo_grid *grids;
    size_t ngrids, maxgrids;
    unsigned named; /* communities named so far */
    struct demo_site places[PL__COUNT];
    char photos[PH__COUNT][65];
};

/* A step of a case's history; the actor follows from the action. */
struct demo_step {
    enum case_action action;
    int64_t at;
    const char *note;
    enum demo_photo photo;
    const char *unit; /* dispatch to another unit than the routed one */
    enum rating rating;
};

/* demo_city.c */
uint32_t demo_rand(struct demo *d, uint32_t n);
void demo_actor(const struct demo *d, enum demo_who w, bool history,
                struct cw_actor *out);
int demo_play(struct demo *d, int64_t case_id, bool history,
              const struct demo_step *steps, size_t nsteps);
int64_t demo_at(const char *local);

/* demo_areas.c */
int demo_districts(struct demo *d, const char *shared_data);
int demo_areas(struct demo *d);

/* What a sample case is about, and what the handler did. */
struct demo_sample {
    const char *category;
    const char *title;
    const char *description;
    const char *fix;
};

/* demo_cases.c */
int demo_photos(struct demo *d);
int demo_stories(struct demo *d);
int demo_cases(struct demo *d);
/* The texts of the sample cases, and the notes of a rejection and a
 * withdrawal (i is taken modulo their number). */
const struct demo_sample *demo_samples(size_t *n);
const char *demo_reject_note(unsigned i);
const char *demo_withdraw_note(unsigned i);

/* demo_load.c: n more cases over the demo city, written in bulk (each
 * with the history its state comes from) instead of one by one through
 * casework; the demo city must be built.  Prints what it wrote unless
 * quiet. */
int demo_load(struct app *app, const char *db_url, long n,
              const char *shared_data, bool quiet);

/* demo_messages.c */
int demo_messages(struct demo *d, const char *shared_data);

/* demo_csv.c: RFC 4180 records, split in place. */
struct demo_csv {
    char *buf;
    size_t len, pos;
    long line; /* of the next record, from 1 */
};

int demo_csv_open(struct demo_csv *c, const char *path, size_t max);
int demo_csv_next(struct demo_csv *c, char **fields, size_t nmax, size_t *n);
void demo_csv_close(struct demo_csv *c);

#endif

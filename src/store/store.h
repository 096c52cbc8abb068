/*
 * store.h - what the platform keeps, one function per question or change.
 *
 * A struct store names the database; store_db() hands the calling thread
 * its own connection, opened on first use and closed when the thread ends.
 * Functions that change several rows expect the caller to hold a
 * transaction (db_begin/db_commit) when the change must be all or nothing.
 */
#ifndef CG_STORE_H
#define CG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/lifecycle.h"
#include "core/role.h"
#include "store/db.h"

#define CODE_LEN 24
#define PATH_LEN 128
#define NAME_LEN 128

struct store;

int store_open(const char *url, struct store **out);
void store_close(struct store *s);
/* This thread's connection; aborts if the database cannot be opened. */
struct db *store_db(struct store *s);
int store_migrate(struct db *db);

/* A part of a write transaction: makes its changes on db and answers
 * CG_OK to keep them, anything else to have them undone. */
typedef int (*store_write_fn)(struct db *db, void *arg);
/* From now on, store_write of other threads groups their writes into
 * shared transactions done by a writer thread of the store (see
 * store.c); nothing where the database does not gain from it
 * (db_dialect_groups_writes).  For a long-running server. */
int store_group_writes(struct store *s);
/*
 * Makes fn's changes in a transaction: the caller's own if it is in one
 * (fn then runs as part of it, undone only with it), else a new one,
 * shared with other threads' writes when grouped, in which case fn runs
 * on the writer thread, where store_db() answers the writer's
 * connection.  Returns once the transaction is on disk: CG_OK; fn's own
 * answer when it refused (its changes undone); CG_EDB when nothing was
 * stored (no transaction could be had, or the group's was lost: try
 * again); CG_ERR when the commit was written but could not be synced.
 * fn may not wait for other threads.
 */
int store_write(struct store *s, store_write_fn fn, void *arg);
/* The transactions the writer thread did, and the writes in them. */
void store_write_counts(struct store *s, uint64_t *groups, uint64_t *writes);
/* Adds to the text indexes the cases still waiting for them (SQLite adds
 * new cases in batches), so that a search that follows finds them:
 * CG_OK, or CG_EDB/CG_ERR as store_write. */
int store_search_settle(struct store *s);

/* A row of the settings table; CG_ENOTFOUND when it is not set. */
int store_setting_get(struct db *db, const char *key, char *out, size_t outlen);

/* ---- areas ------------------------------------------------------------ */

enum area_level {
    AREA_CITY,
    AREA_DISTRICT,
    AREA_STREET,
    AREA_COMMUNITY,
    AREA_GRID,
    AREA_COMPOUND,
    AREA_BUILDING
};

struct area {
    char code[CODE_LEN];
    char parent[CODE_LEN];
    int level;
    char name[NAME_LEN];
    char path[PATH_LEN]; /* "/150100/150103/150103003/" */
    char grade;          /* 'A', 'B', 'C' or 0 if not graded */
};

const char *area_level_name(int level); /* "district" */
int area_level_parse(const char *s, int *out);
int store_area_get(struct db *db, const char *code, struct area *out);
/* Inserts or replaces an area; the path is derived from the parent. */
int store_area_put(struct db *db, const char *code, const char *parent,
                   int level, const char *name, char grade,
                   const char *geometry, const double bbox[4]);
/* The grade that applies to an area: its own or its nearest ancestor's,
 * 'B' if none is graded. */
char store_area_grade(struct db *db, const struct area *a);
/* Areas with geometry, as (code, level, geometry) rows, for the index. */
int store_area_each_geometry(struct db *db,
                             int (*cb)(const char *code, int level,
                                       const char *geometry, void *ctx),
                             void *ctx);
/* The area and its ancestors, from the root down, as a JSON array of
 * {code, name, level}: as read at most 10 seconds ago (areas.c). */
json_t *store_area_chain(struct db *db, const char *code);
/* Children of an area (NULL: the roots), as a JSON array. */
json_t *store_area_children(struct db *db, const char *parent);
/* GeoJSON FeatureCollection of the areas at `level` under `within`. */
json_t *store_area_features(struct db *db, const char *within, int level);

/* ---- units -------------------------------------------------------------- */

struct unit {
    int64_t id;
    char code[CODE_LEN * 2];
    char name[NAME_LEN];
    char kind[16];
    char area_code[CODE_LEN];
};

int store_unit_get(struct db *db, int64_t id, struct unit *out);
int store_unit_by_code(struct db *db, const char *code, struct unit *out);
int store_unit_put(struct db *db, const char *code, const char *name,
                   const char *kind, const char *area_code, int64_t *id);
/* The territorial unit nearest to an area: walks up the area path and
 * answers the unit of the deepest ancestor that has one. */
int store_unit_territorial(struct db *db, const struct area *a,
                           struct unit *out);
json_t *store_unit_list(struct db *db);

/* ---- categories --------------------------------------------------------- */

struct category {
    char code[16];
    char parent[16];
    char name[NAME_LEN];
    char unit_code[CODE_LEN * 2]; /* default owner; empty: territorial */
    char level[16];
    char limit_unit; /* 'h' or 'd' */
    int limit[3];    /* per grid grade A, B, C */
};

int store_category_get(struct db *db, const char *code, struct category *out);
int store_category_put(struct db *db, const struct category *c,
                       const char *name_en, const char *file_cond,
                       const char *close_cond);
json_t *store_category_tree(struct db *db);

/* ---- routing rules and level deadlines ---------------------------------- */

/*
 * A routing rule: cases of `category` (a small class, a big class, or ""
 * for any) in the subtree of `area_code` ("" anywhere) on grids of `grade`
 * (0 for any) go to the unit.  Names are filled in for the reader.
 */
struct routing_rule {
    int64_t id;
    char category[16];
    char category_name[NAME_LEN];
    char area_code[CODE_LEN];
    char area_name[NAME_LEN];
    char area_path[PATH_LEN];
    int area_level; /* the rule area's depth; -1 for anywhere */
    char grade;
    int64_t unit_id;
    char unit_code[CODE_LEN * 2];
    char unit_name[NAME_LEN];
};

/* At most one rule per (category, area, grade), so no more than 3 kinds
 * of category x 8 area depths (the 7 levels and anywhere) x 2 can apply to
 * one case. */
#define ROUTING_MAX_MATCH 48

/*
 * The rules that apply to a case of small class `small` (in big class
 * `big`) in area a on a grid of grade `grade`, most specific first: a rule
 * for the small class before one for the big class before one for any;
 * then the deeper area (anywhere last); then a rule for the grade before
 * one for any grade.  Fills out[0 .. *n).
 */
int store_routing_match(struct db *db, const char *small, const char *big,
                        const struct area *a, char grade,
                        struct routing_rule *out, size_t max, size_t *n);
int store_routing_get(struct db *db, int64_t id, struct routing_rule *out);
/* Adds a rule from r's category, area_code, grade and unit_id.
 * CG_ECONFLICT when a rule with the same category, area and grade exists;
 * then *id is that rule's id. */
int store_routing_add(struct db *db, const struct routing_rule *r,
                      const char *note, int64_t created_by, int64_t *id);
/* CG_ENOTFOUND when there is no rule id. */
/* Gives rule id another unit (and, when note is not NULL, another note);
 * CG_ENOTFOUND when there is no such rule. */
int store_routing_set_unit(struct db *db, int64_t id, int64_t unit_id,
                           const char *note);
int store_routing_delete(struct db *db, int64_t id);
/* The rules that can apply somewhere under `scope_path` (those for
 * anywhere, for an area around the scope and for areas inside it), as a
 * JSON array; "editable" tells whether the area lies within the scope. */
json_t *store_routing_list(struct db *db, const char *scope_path);

/* The deadline setting of a level (settings key "deadline.<level>"), e.g.
 * "2h"; CG_ENOTFOUND when it is not set. */
int store_level_deadline(struct db *db, const char *level, char *out,
                         size_t outlen);

/* ---- people and sessions ------------------------------------------------ */

/* Text fields hold what the API accepts, in characters, at up to four
 * bytes each. */
struct user {
    int64_t id;
    char username[64 * 4 + 1];
    enum role role;
    char area_code[CODE_LEN];
    char area_path[PATH_LEN]; /* scope; empty for residents */
    int64_t unit_id;
    char display_name[50 * 4 + 1];
    char phone[20 * 4 + 1];
};

int store_user_add(struct db *db, const char *username, const char *hash,
                   enum role role, const char *area_code, int64_t unit_id,
                   const char *display_name, const char *phone, int64_t *id);
int store_user_by_name(struct db *db, const char *username, struct user *out,
                       char *hash, size_t hashlen);
int store_user_get(struct db *db, int64_t id, struct user *out);
int store_user_set_hash(struct db *db, int64_t id, const char *hash);
json_t *store_user_list(struct db *db, const char *within_path);

int store_session_add(struct db *db, const char *token_hash, int64_t user_id,
                      const char *csrf, int64_t expires_at);
int store_session_get(struct db *db, const char *token_hash, int64_t now,
                      struct user *out, char *csrf, size_t csrflen);
int store_session_delete(struct db *db, const char *token_hash);

/* ---- cases -------------------------------------------------------------- */

struct case_row {
    int64_t id;
    char ref[64];
    char city_code[CODE_LEN];
    enum case_state state;
    char category_code[16];
    char area_code[CODE_LEN];
    char area_path[PATH_LEN];
    int64_t unit_id;
    int64_t reporter_id;
    enum rating rating;
    int64_t reported_at;
    int64_t due_at;    /* 0 if none */
    int64_t closed_at; /* 0 if not closed */
    int64_t parent_id;
    int64_t version;
    int64_t seq; /* number of events so far */
    bool escalated;
    char level[16]; /* "emergency", "utility", "general", "complex" */
};

struct case_new {
    const char *ref; /* an outside reference, unique; may be NULL */
    const char *city_code;
    const char *title;
    const char *description;
    const char *category_code;
    const struct area *area;
    bool has_point;
    double lon, lat;
    const char *address;
    const char *level;
    const char *channel;
    int64_t reporter_id; /* 0 if reported on someone's behalf */
    const char *reporter_name;
    const char *reporter_phone;
    int64_t reported_at;
    int64_t due_at;
    int64_t unit_id;
    const char *route_reason;
    const char *level_reason;
};

/* Inserts a case in state ST_NONE with version 1; the first event follows. */
int store_case_insert(struct db *db, const struct case_new *c, int64_t *id);
int store_case_get(struct db *db, int64_t id, struct case_row *out);
int store_case_by_ref(struct db *db, const char *ref, int64_t *id);

/* One transition, already decided by the lifecycle table. */
struct case_event {
    int64_t at;
    int64_t actor_id;
    enum role actor_role;
    enum case_action action;
    enum case_state from, to;
    const char *note;
    int64_t unit_id; /* dispatch: the new unit; 0 otherwise */
    enum rating rating;
    int64_t due_at; /* a new deadline, 0 if unchanged */
    int days;       /* extension asked for, in working days */
    const char *const *photos;
    size_t nphotos;
};

/* Appends the event and applies it to the case row: state, unit, due,
 * closed_at, rating, counters, version + 1.  Fails with CG_ECONFLICT if the
 * case's version is no longer `version`. */
int store_case_apply(struct db *db, const struct case_row *c,
                     const struct case_event *e, int64_t parent_id);

/* The case as JSON with every field; the API masks it for the viewer. */
json_t *store_case_json(struct db *db, int64_t id);
/* The case as JSON (store_case_json) and as a row (store_case_get) from one
 * statement; NULL when there is no such case or it cannot be shown. */
json_t *store_case_view(struct db *db, int64_t id, struct case_row *row);
json_t *store_case_events(struct db *db, int64_t id);
/* Working days asked for by the latest extension request, 0 if none. */
int store_case_extension_days(struct db *db, int64_t id);

struct case_query {
    const char *state;     /* a state name, or NULL */
    const char *area_path; /* cases under this path */
    const char *category;  /* a big or small class code prefix */
    const char *q;         /* substring of title or description */
    int64_t unit_id;       /* 0: any */
    int64_t reporter_id;   /* 0: any */
    bool overdue_only;
    bool public_only; /* leave out withdrawn and merged cases */
    const char *sort; /* "due" or "new" */
    int64_t now;
    int page, per_page;
    int64_t count_cap; /* count at most this many; 0: all */
};

/* Fills *items with a JSON array and *total with the count; *capped when
 * counting stopped at the cap and there are more (docs/api.md). */
int store_case_list(struct db *db, const struct case_query *q, json_t **items,
                    int64_t *total, bool *capped);

int store_photo_put(struct db *db, const char *hash, int w, int h,
                    int64_t bytes, const char *type, int64_t uploader);
bool store_photo_exists(struct db *db, const char *hash);
/* Whether the photo is already in the case's history (its report or a
 * step since). */
bool store_case_has_photo(struct db *db, int64_t case_id, const char *hash);

/* Records that user_id was shown the personal data `fields` of a case;
 * the row is committed when this returns (see pii.c). */
int store_pii_log(struct db *db, int64_t user_id, int64_t case_id,
                  const char *fields);

/* Idempotency: (user, key) -> the case and status the first request
 * answered.  Lookup returns CG_ENOTFOUND when the key is new. */
int store_idem_get(struct db *db, int64_t user_id, const char *key,
                   char *fingerprint, size_t fplen, int64_t *case_id,
                   int *status);
int store_idem_put(struct db *db, int64_t user_id, const char *key,
                   const char *fingerprint, int64_t case_id, int status);

/* ---- statistics --------------------------------------------------------- */

struct metric_counts;

struct stats_query {
    const char *area_path;
    const char *category;
    int64_t unit_id;
    int64_t from, to; /* reported in [from, to); 0: open */
    int64_t as_of;    /* the moment the figures describe */
};

typedef int (*stats_row_cb)(const char *key, const struct metric_counts *c,
                            void *ctx);

/*
 * Counts as they stood at q->as_of, so a figure for a past moment is the
 * figure that was true then: from the rollups the database keeps when no
 * event or report comes after the moment, else replayed from the event
 * history (the same figures, slower).  With by NULL
 * the callback runs once with key "".  Otherwise once per group: by "area"
 * (the child areas of q->area_path), "category" (big classes, or the small
 * classes of q->category when it is a big class), or "unit" (the unit id).
 */
int store_stats(struct db *db, const struct stats_query *q, const char *by,
                stats_row_cb cb, void *ctx);

/* ---- the one map -------------------------------------------------------- */

/* The map's state groups; MAP_ANY: no group filter. */
enum { MAP_OPEN, MAP_OVERDUE, MAP_CLOSED, MAP_ANY };

/*
 * What the map shows.  Withdrawn and merged cases are never on it; a case
 * without a point of its own is drawn in the middle of its area.
 */
struct map_query {
    double bbox[4];        /* min lon, min lat, max lon, max lat (WGS-84) */
    const char *area_path; /* cases under this path; NULL: everywhere */
    const char *category;  /* code prefix, or NULL */
    int64_t unit_id;       /* 0: any */
    int state;             /* an enum case_state, or -1 for any */
    int bucket;            /* MAP_OPEN, MAP_OVERDUE, MAP_CLOSED or MAP_ANY */
    int level;             /* from map_level_parse, or -1 for any */
    int64_t from, to;      /* reported in [from, to); 0: open */
    int64_t now;           /* decides what is overdue */
    bool anonymous;        /* positions rounded to 0.001 degree */
    double cell_lon, cell_lat; /* cell size in degrees; 0: the cases */
    size_t max_items;          /* cases answered at most */
};

/* "emergency", "utility", "general", "complex" -> 0..3. */
int map_level_parse(const char *s, int *out);
/* Clusters per cell ({mode, clusters, total, truncated}) when
 * q->cell_lon > 0, else the cases ({mode, cases, total, truncated}).
 * *out belongs to the caller. */
int store_map_query(struct db *db, const struct map_query *q, json_t **out);
/* The areas of `level` under within_path (all when NULL), each with the
 * counts of q's cases in it and its closure rate, as a JSON array. */
int store_map_areas(struct db *db, const struct map_query *q, int level,
                    const char *within_path, json_t **out);

/* ---- possible duplicates and supporters ("me too") ---------------------- */

/* An open case near a point, as the duplicate check needs it. */
struct nearby_case {
    int64_t id;
    double lon, lat;
    int64_t reported_at;
    char text[1024]; /* title and description, cut at a character */
};

/*
 * The open cases of small class `category` that have a point inside the
 * box around (lon, lat) that holds a circle of radius_m, nearest first by
 * a flat approximation, at most max.  Fills out[0 .. *n).
 */
int store_nearby_open(struct db *db, const char *category, double lon,
                      double lat, double radius_m, struct nearby_case *out,
                      size_t max, size_t *n);
/* The radius in metres around a new report of small class `small` in big
 * class `big`: the setting for the small class, else the big class, else
 * "dedupe.radius", else dflt.  A value that is not 10..5000 is ignored. */
double store_dedupe_radius(struct db *db, const char *small, const char *big,
                           double dflt);

/* Adds user as a supporter of the case; *added is false when they were
 * one already. */
int store_support_add(struct db *db, const struct case_row *c, int64_t user,
                      int64_t at, bool *added);
int64_t store_support_count(struct db *db, int64_t case_id);
bool store_support_has(struct db *db, int64_t case_id, int64_t user);

/* The merged cases that follow `parent`, at most max. */
int store_case_children(struct db *db, int64_t parent, int64_t *ids, size_t max,
                        size_t *n);
/* The note of the latest `action` event of a case ("" when none). */
int store_case_last_note(struct db *db, int64_t id, const char *action,
                         char *out, size_t outlen);

/* ---- the category classifier -------------------------------------------- */

/* A model as it is stored; cv figures are -1 when not measured. */
struct model_info {
    int64_t id;
    char name[64];
    int64_t created_at;
    int64_t n_examples; /* the closed cases it learnt from */
    int n_classes;
    double cv_top1, cv_top3;
};

/* Stores a model (bytes as cls_save writes them); it becomes the one in
 * use, being the newest.  *id is its row. */
int store_model_put(struct db *db, const struct model_info *m,
                    const void *bytes, size_t len, int64_t *id);
/* The id of the newest model, 0 when there is none: one indexed lookup,
 * cheap enough to ask now and then whether to reload. */
int64_t store_model_latest_id(struct db *db);
/* The newest model and its bytes (*bytes is the caller's to free);
 * CG_ENOTFOUND when there is none. */
int store_model_latest(struct db *db, struct model_info *out, void **bytes,
                       size_t *len);

/* Calls cb for each of the newest 50,000 closed cases with its title,
 * description and final small class, oldest first: the examples a model
 * learns from.  A non-zero return from cb stops the walk and is
 * returned. */
typedef int (*store_example_cb)(const char *title, const char *description,
                                const char *category, void *ctx);
int store_training_cases(struct db *db, store_example_cb cb, void *ctx);
/* The cases closed after `since`: examples the newest model has not
 * seen. */
int64_t store_training_new(struct db *db, int64_t since);
/* The cases closed since the newest model was trained (all the closed
 * cases when there is none); -1 when the database cannot tell. */
int64_t store_training_pending(struct db *db);

/* Calls cb for each small class with its name and its keywords (comma-
 * separated, NULL for none), for matching a text before any model. */
typedef int (*store_keyclass_cb)(const char *code, const char *name,
                                 const char *keywords, void *ctx);
int store_keyclasses(struct db *db, store_keyclass_cb cb, void *ctx);

/* Records the suggestions (JSON text) a case was filed by and the reason
 * for its category. */
int store_case_set_suggestions(struct db *db, int64_t id,
                               const char *suggestions, const char *reason);
/* Files a case under another small class, with its new route and the
 * reason; the caller holds the transaction that records the event. */
int store_case_recategorize(struct db *db, int64_t id, const char *category,
                            const char *route_reason, const char *reason);

/* What store_model_train made. */
struct model_trained {
    struct model_info info; /* as stored, id included */
    size_t n_features;      /* the n-grams it knows */
    size_t bytes;           /* its size as stored */
};

struct cls_params;

/*
 * Learns a model with the parameters p (a struct cls_params) from all the
 * closed cases and stores it as the newest, the one every server loads.
 * With cv_folds (0 for none) and at least ten cases a fold, the model
 * carries its cross-validated figures.  Its created_at is the moment the
 * cases were read, so the cases closed while it learnt count as new.  On
 * failure why says what went wrong, for an operator.
 */
int store_model_train(struct db *db, const struct cls_params *p,
                      unsigned cv_folds, struct model_trained *out, char *why,
                      size_t whylen);

/*
 * Takes the lease on retraining (setting classify.retrain_lease, "pid@host
 * until <time>") for `seconds` from now, so that one server of those
 * sharing a database retrains at a time.  Returns CG_OK when this holder
 * has it, CG_ECONFLICT while another holder's lease runs; the value is
 * replaced only if it still is the expired one read, so two servers racing
 * cannot both win.
 */
int store_retrain_lease_take(struct db *db, const char *holder,
                             int64_t seconds);
/* Ends this holder's lease early, once the new model is stored. */
void store_retrain_lease_drop(struct db *db, const char *holder);

/* ---- Open311 clients and what their reports carried --------------------- */

/* Records that a client posted update_id to a case; CG_ECONFLICT when the
 * client sent that update_id before. */
int store_open311_update_put(struct db *db, int64_t client_id,
                             const char *update_id, int64_t case_id);

struct api_client {
    int64_t id;
    char name[NAME_LEN];
    int64_t created_at;
};

/* Registers a client under the digest of its key (auth_token_digest). */
int store_client_add(struct db *db, const char *name, const char *key_hash,
                     int64_t now, int64_t *id);
/* The enabled client with this key digest; CG_ENOTFOUND when none. */
int store_client_by_key(struct db *db, const char *key_hash,
                        struct api_client *out);

/* What an Open311 report carried besides the case itself; any text may be
 * NULL.  attributes is JSON text. */
struct open311_extra {
    const char *account_id;
    const char *device_id;
    const char *email;
    const char *media_url;
    const char *attributes;
};

int store_open311_put(struct db *db, int64_t case_id, int64_t client_id,
                      const struct open311_extra *x);
/* The media URL a client gave with case id; CG_ENOTFOUND when none. */
int store_open311_media_url(struct db *db, int64_t case_id, char *out,
                            size_t outlen);

/* A GeoReport query: cases reported in [from, to], optionally updated in
 * [updated_after, updated_before], of the listed small classes, open or
 * closed, newest first. */
struct open311_query {
    const char *const *codes; /* small class codes; ncodes 0: any */
    size_t ncodes;
    int64_t from, to;
    int64_t updated_after, updated_before; /* 0: no bound */
    int status;                            /* -1 any, 0 open, 1 closed */
    int64_t offset;
    int limit;
};

#define OPEN311_MAX_CODES 32

/* Fills ids[0 .. *n) with at most max case ids. */
int store_open311_query(struct db *db, const struct open311_query *q,
                        int64_t *ids, size_t max, size_t *n);
/* The events in [from, to], oldest first, at most max, as a JSON array of
 * {update_id, case_id, state, action, note, at, photo}; photo is the hash
 * of the event's first photo or null.  Events of withdrawn, merged or
 * unreported cases are left out, as in the public list. */
json_t *store_open311_updates(struct db *db, int64_t from, int64_t to,
                              size_t max);

/* ---- operations --------------------------------------------------------- */

typedef void (*store_ops_cb)(const char *state, int64_t cases, int64_t overdue,
                             void *ctx);
/* Calls cb once per case state present: its cases, and those of them open
 * past their deadline at `now`. */
int store_ops_case_counts(struct db *db, int64_t now, store_ops_cb cb,
                          void *ctx);

/* ---- failed sign-ins (throttle.c) ------------------------------------- */

int store_throttle_get(struct db *db, const char *key, int64_t *since,
                       int64_t *failures);
/* Counts one failure; a count older than `window` seconds starts again. */
int store_throttle_fail(struct db *db, const char *key, int64_t now,
                        int64_t window);
int store_throttle_clear(struct db *db, const char *key);

#endif

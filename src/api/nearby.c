/*
 * nearby.c - before a resident sends a report: the open cases that may be
 * the same problem; and "me too", joining one of them instead.
 *
 * The suggestions are shown to anyone signed in, so each is the public,
 * anonymised view of the case, and its distance is measured from the
 * rounded place that view shows: asking from many points cannot narrow a
 * reporter's door down further than the public view already does.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/casework.h"
#include "base/err.h"
#include "base/str.h"
#include "core/dedupe.h"

/* Candidates read from the box around the point; the rest are farther. */
#define MAX_CANDIDATES 100
/* How far the public, rounded place may lie from the true one. */
#define ROUNDING_MARGIN_M 80.0
#define DEFAULT_LIMIT     5
#define MAX_LIMIT         20

struct suggestion {
    json_t *o;
    double score, distance, similarity;
    char reason[DEDUPE_REASON_LEN];
};

static int parse_point(struct http_req *r, double *lon, double *lat);
static int cmp_suggestion(const void *a, const void *b);
static json_t *support_json(struct db *db, const struct cw_actor *who,
                            const struct case_row *c);

/* lon and lat from the query, in WGS-84 (crs=gcj02 converted). */
static int
parse_point(struct http_req *r, double *lon, double *lat)
{
    const char *slon = http_query(r, "lon"), *slat = http_query(r, "lat");
    const char *crs = http_query(r, "crs");
    enum geo_crs c = GEO_WGS84;
    double x, y;

    if (!slon || !slat)
        return http_error(r, 422, "missing_location",
                          "give lon and lat of the place the report is "
                          "about");
    if (str_to_double(slon, &x) != CG_OK || str_to_double(slat, &y) != CG_OK ||
        x < -180 || x > 180 || y < -90 || y > 90)
        return http_error(r, 422, "invalid_location",
                          "lon must be a number within -180..180 and lat "
                          "within -90..90");
    if (crs && geo_crs_parse(crs, &c) != CG_OK)
        return http_error(r, 422, "invalid_field",
                          "crs must be 'wgs84' or 'gcj02'");
    *lon = x;
    *lat = y;
    if (c == GEO_GCJ02)
        geo_gcj02_to_wgs84(x, y, lon, lat);
    return CG_OK;
}

static int
cmp_suggestion(const void *a, const void *b)
{
    const struct suggestion *x = a, *y = b;

    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->distance < y->distance ? -1 : x->distance > y->distance;
}

int
api_cases_similar(struct http_req *r)
{
    struct db *db = api_db(r);
    struct nearby_case *cands = NULL;
    struct suggestion *found = NULL;
    const char *code = http_query(r, "category"), *text = http_query(r, "text");
    const char *s;
    struct category k;
    struct dedupe_input in;
    struct dedupe_verdict v;
    struct cw_suggest sug;
    bool guessed = false;
    double lon, lat, radius;
    int64_t limit = DEFAULT_LIMIT;
    size_t n = 0, nfound = 0, i;
    json_t *items;
    int rc;

    if ((rc = parse_point(r, &lon, &lat)) != CG_OK)
        return rc;
    if (text &&
        (strlen(text) > 4000 * 4 || str_utf8_len(text, strlen(text)) < 0))
        return http_error(r, 400, "invalid_query",
                          "text must be UTF-8 of at most 4000 characters");
    /* A resident unsure of the category is the likeliest to file a
     * duplicate: look under the category the report would be filed
     * under. */
    if (!code && text && *text) {
        casework_suggest(api_app(r), NULL, text, &sug);
        if (sug.n)
            code = sug.top[0].code;
        guessed = code != NULL;
    }
    if (!code || store_category_get(db, code, &k) != CG_OK || !k.parent[0])
        return http_error(r, 422, "unknown_category",
                          "give category, a small class code (see GET "
                          "/api/v1/categories), or text to tell it from");
    if ((s = http_query(r, "limit")) &&
        str_to_i64(s, 1, MAX_LIMIT, &limit) != CG_OK)
        return http_error(r, 400, "invalid_query",
                          "limit must be a whole number from 1 to %d",
                          MAX_LIMIT);
    radius = store_dedupe_radius(db, k.code, k.parent, DEDUPE_RADIUS_M);
    cands = calloc(MAX_CANDIDATES, sizeof(*cands));
    found = calloc(MAX_CANDIDATES, sizeof(*found));
    if (!cands || !found) {
        rc = http_error(r, 503, "unavailable", "try again in a moment");
        goto out;
    }
    if (store_nearby_open(db, k.code, lon, lat, radius + ROUNDING_MARGIN_M,
                          cands, MAX_CANDIDATES, &n) != CG_OK) {
        rc = http_error(r, 503, "unavailable",
                        "the nearby cases could not be read; try again");
        goto out;
    }
    memset(&in, 0, sizeof(in));
    in.same_category = true;
    in.radius_m = radius;
    in.has_text = text && *text;
    for (i = 0; i < n; i++) {
        json_t *o = store_case_json(db, cands[i].id), *loc;
        bool mine;
        if (!o)
            continue;
        /* A resident's own report, so the page offers to open it rather
         * than to join it. */
        mine = json_integer_value(json_object_get(
                   json_object_get(o, "reporter"), "id")) == r->user.id;
        api_case_anonymise(db, o);
        json_object_set_new(o, "mine", json_boolean(mine));
        loc = json_object_get(o, "location");
        in.distance_m = dedupe_distance_m(
            lon, lat, json_number_value(json_object_get(loc, "lon")),
            json_number_value(json_object_get(loc, "lat")));
        in.similarity =
            in.has_text ? dedupe_text_similarity(text, cands[i].text) : 0;
        dedupe_judge(&in, &v);
        if (!v.suggest) {
            json_decref(o);
            continue;
        }
        found[nfound].o = o;
        found[nfound].score = v.score;
        found[nfound].distance = in.distance_m;
        found[nfound].similarity = in.similarity;
        str_copy(found[nfound].reason, sizeof(found[nfound].reason), v.reason);
        nfound++;
    }
    qsort(found, nfound, sizeof(found[0]), cmp_suggestion);
    items = json_array();
    for (i = 0; i < nfound; i++) {
        json_t *o = found[i].o;
        found[i].o = NULL;
        if ((int64_t)i >= limit) {
            json_decref(o);
            continue;
        }
        json_object_del(o, "unit_id");
        json_object_set_new(o, "distance_m",
                            json_integer(lround(found[i].distance)));
        json_object_set_new(o, "similarity",
                            json_real(round(found[i].similarity * 100) / 100));
        json_object_set_new(o, "score",
                            json_real(round(found[i].score * 1000) / 1000));
        json_object_set_new(o, "reason", json_string(found[i].reason));
        json_object_set_new(
            o, "supporters",
            json_integer(store_support_count(
                db, json_integer_value(json_object_get(o, "id")))));
        json_array_append_new(items, o);
    }
    rc = http_json(r, 200,
                   json_pack("{s:o, s:I, s:s, s:f, s:b}", "items", items,
                             "total", (json_int_t)nfound, "category", k.code,
                             "radius_m", radius, "category_guessed", guessed));
out:
    free(cands);
    free(found);
    return rc;
}

/* What the case page shows about supporters, for this viewer. */
static json_t *
support_json(struct db *db, const struct cw_actor *who,
             const struct case_row *c)
{
    int status;
    const char *why = casework_support_refusal(who, c, &status);
    bool supporting = store_support_has(db, c->id, who->p.user_id);

    return json_pack("{s:I, s:I, s:b, s:b, s:s?}", "case_id", (json_int_t)c->id,
                     "supporters", (json_int_t)store_support_count(db, c->id),
                     "supporting", supporting, "can_support",
                     why == NULL && !supporting, "why_not",
                     supporting ? NULL : why);
}

int
api_case_support_get(struct http_req *r)
{
    struct db *db = api_db(r);
    struct case_scope scope;
    struct cw_actor who;
    struct case_row c;

    memset(&who, 0, sizeof(who));
    api_principal(r, &who.p);
    if (store_case_get(db, r->id, &c) != CG_OK || c.state == ST_NONE)
        return http_error(r, 404, "not_found", "there is no case %lld",
                          (long long)r->id);
    scope.area_path = c.area_path;
    scope.reporter_id = c.reporter_id;
    scope.unit_id = c.unit_id;
    if (perm_case_view(&who.p, &scope) == VIEW_NONE)
        return http_error(r, 404, "not_found",
                          "there is no case %lld that you may see",
                          (long long)r->id);
    return http_json(r, 200, support_json(db, &who, &c));
}

int
api_case_support(struct http_req *r)
{
    struct db *db = api_db(r);
    struct cw_actor who;
    struct cw_error err;
    struct case_row c;
    bool added;
    json_t *o;

    memset(&who, 0, sizeof(who));
    api_principal(r, &who.p);
    if (casework_support(api_app(r), &who, r->id, &added, &err) != CG_OK)
        return http_error(r, err.status, err.code, "%s", err.message);
    if (store_case_get(db, r->id, &c) != CG_OK)
        return http_error(r, 404, "not_found", "there is no case %lld",
                          (long long)r->id);
    o = support_json(db, &who, &c);
    json_object_set_new(o, "added", json_boolean(added));
    return http_json(r, added ? 201 : 200, o);
}

/*
 * onemap.c - the one map: clusters or cases in view, and areas shaded by
 * how well their cases are closed.
 *
 * Below MAP_CASES_ZOOM the server counts cases per screen cell (64 pixels
 * of a Web-Mercator map at that zoom), so a browser never receives more
 * markers than fit on the screen; from MAP_CASES_ZOOM on it answers the
 * cases themselves, at most MAP_MAX_CASES of them.  Staff see the cases
 * of their scope (a unit, what is assigned to it); residents see
 * everyone's, anonymised: positions rounded to about 100 m, and a marker
 * leads to the same anonymised case page the public list links to.
 */
#include <math.h>
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/validate.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"

#define MAP_CASES_ZOOM 16
#define MAP_MAX_ZOOM   22
#define MAP_MAX_CASES  2000
#define MAP_CELL_PX    64
#define MAP_MAX_CELLS  65536

static int parse_filters(struct http_req *r, struct map_query *q,
                         const char *level_name);
static int apply_scope(struct http_req *r, struct map_query *q, char *path,
                       size_t pathlen);

/* The filters both map endpoints share: category, state (a state or the
 * group open, overdue, closed), urgency, from and to.  The urgency is
 * `urgency`, or `level_name` where "level" does not name the area level. */
static int
parse_filters(struct http_req *r, struct map_query *q, const char *level_name)
{
    const char *s;
    enum case_state st;
    int rc;

    q->state = -1;
    q->bucket = MAP_ANY;
    q->level = -1;
    q->now = cgtime_now();
    q->max_items = MAP_MAX_CASES;
    if ((s = http_query(r, "category"))) {
        if (!*s || strlen(s) > 15 || !str_is_digits(s, strlen(s)))
            return http_error(r, 400, "invalid_query",
                              "category must be a category code (digits), "
                              "a big or a small class");
        q->category = s;
    }
    if ((s = http_query(r, "state"))) {
        if (strcmp(s, "open") == 0)
            q->bucket = MAP_OPEN;
        else if (strcmp(s, "overdue") == 0)
            q->bucket = MAP_OVERDUE;
        else if (strcmp(s, "closed") == 0)
            q->bucket = MAP_CLOSED;
        else if (case_state_parse(s, &st) == CG_OK && st != ST_NONE &&
                 st != ST_WITHDRAWN && st != ST_MERGED)
            q->state = (int)st;
        else
            return http_error(r, 400, "invalid_query",
                              "state must be open, overdue, closed or a "
                              "case state (withdrawn and merged cases are "
                              "not on the map)");
    }
    s = http_query(r, "urgency");
    if (!s && level_name)
        s = http_query(r, level_name);
    if (s && map_level_parse(s, &q->level) != CG_OK)
        return http_error(r, 400, "invalid_query",
                          "urgency must be emergency, utility, general or "
                          "complex");
    if ((rc = api_query_time(r, "from", &q->from)) != CG_OK ||
        (rc = api_query_time(r, "to", &q->to)) != CG_OK)
        return rc;
    if (q->from && q->to && q->from >= q->to)
        return http_error(r, 400, "invalid_query", "from must be before to");
    return CG_OK;
}

/* Whose cases the caller sees on the map: a resident everyone's,
 * anonymised; a unit what is assigned to it; other staff their scope,
 * narrowed by ?area= within it.  path receives the area path. */
static int
apply_scope(struct http_req *r, struct map_query *q, char *path, size_t pathlen)
{
    const char *code = http_query(r, "area"), *why = "";
    struct principal p;
    struct area a;

    api_principal(r, &p);
    if (code) {
        if (store_area_get(api_db(r), code, &a) != CG_OK)
            return http_error(r, 404, "not_found", "there is no area %.24s",
                              code);
        str_copy(path, pathlen, a.path);
        q->area_path = path;
    }
    switch (p.role) {
    case ROLE_RESIDENT:
        q->anonymous = true;
        return CG_OK;
    case ROLE_UNIT:
        q->unit_id = p.unit_id ? p.unit_id : -1;
        return CG_OK;
    default:
        if (!q->area_path) {
            str_copy(path, pathlen, p.area_path ? p.area_path : "");
            q->area_path = path;
        }
        if (!perm_allow(&p, PERM_QUEUE, q->area_path, &why))
            return http_error(r, 403, "forbidden", "%s", why);
        return CG_OK;
    }
}

int
api_map(struct http_req *r)
{
    const char *sb = http_query(r, "bbox"), *sz = http_query(r, "zoom");
    char path[PATH_LEN], *end;
    struct map_query q;
    double mid, cells;
    int64_t zoom;
    json_t *o;
    int rc, i;

    memset(&q, 0, sizeof(q));
    if (!sb)
        return http_error(r, 400, "invalid_query",
                          "give bbox=minlon,minlat,maxlon,maxlat (WGS-84)");
    for (i = 0; i < 4; i++) {
        q.bbox[i] = strtod(sb, &end);
        if (end == sb || !isfinite(q.bbox[i]) || *end != (i < 3 ? ',' : '\0'))
            return http_error(r, 400, "invalid_query",
                              "bbox must be four numbers "
                              "minlon,minlat,maxlon,maxlat");
        sb = end + 1;
    }
    if (q.bbox[0] < -180 || q.bbox[2] > 180 || q.bbox[1] < -90 ||
        q.bbox[3] > 90 || q.bbox[0] >= q.bbox[2] || q.bbox[1] >= q.bbox[3])
        return http_error(r, 400, "invalid_query",
                          "bbox must lie within -180..180, -90..90 with "
                          "minlon < maxlon and minlat < maxlat");
    if (!sz || str_to_i64(sz, 0, MAP_MAX_ZOOM, &zoom) != CG_OK)
        return http_error(r, 400, "invalid_query",
                          "zoom must be a whole number from 0 to %d",
                          MAP_MAX_ZOOM);
    if ((rc = parse_filters(r, &q, "level")) != CG_OK ||
        (rc = apply_scope(r, &q, path, sizeof(path))) != CG_OK)
        return rc;
    if (zoom < MAP_CASES_ZOOM) {
        /* A Web-Mercator tile is 256 px for 360 / 2^zoom degrees of
         * longitude; north-south a degree of latitude takes 1 / cos(lat)
         * times as many pixels, so a square cell is shorter in latitude. */
        mid = (q.bbox[1] + q.bbox[3]) / 2 * M_PI / 180;
        q.cell_lon = MAP_CELL_PX * 360.0 / (256.0 * pow(2, (double)zoom));
        q.cell_lat = q.cell_lon * cos(mid);
        cells = ceil((q.bbox[2] - q.bbox[0]) / q.cell_lon) *
                ceil((q.bbox[3] - q.bbox[1]) / q.cell_lat);
        if (cells > MAP_MAX_CELLS)
            return http_error(r, 400, "invalid_query",
                              "the bbox is too large for zoom %d (more than "
                              "%d cells of %d px); zoom out or send the "
                              "bbox of the screen",
                              (int)zoom, MAP_MAX_CELLS, MAP_CELL_PX);
    }
    if ((rc = store_map_query(api_db(r), &q, &o)) != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the map could not be read; try again");
    json_object_set_new(o, "zoom", json_integer(zoom));
    json_object_set_new(o, "cases_from_zoom", json_integer(MAP_CASES_ZOOM));
    json_object_set_new(o, "anonymised", json_boolean(q.anonymous));
    if (q.cell_lon > 0)
        json_object_set_new(o, "cell",
                            json_pack("{s:f, s:f, s:i}", "lon", q.cell_lon,
                                      "lat", q.cell_lat, "px", MAP_CELL_PX));
    return http_json(r, 200, o);
}

int
api_map_areas(struct http_req *r)
{
    const char *lv = http_query(r, "level"), *within = http_query(r, "within");
    char path[PATH_LEN], wpath[PATH_LEN];
    struct map_query q;
    struct area a;
    int level = AREA_DISTRICT, rc;
    json_t *items;

    memset(&q, 0, sizeof(q));
    if (lv && (area_level_parse(lv, &level) != CG_OK || level < AREA_DISTRICT ||
               level > AREA_GRID))
        return http_error(r, 400, "invalid_query",
                          "level must be district, street, community or grid");
    if ((rc = parse_filters(r, &q, NULL)) != CG_OK ||
        (rc = apply_scope(r, &q, path, sizeof(path))) != CG_OK)
        return rc;
    if (within) {
        if (store_area_get(api_db(r), within, &a) != CG_OK)
            return http_error(r, 404, "not_found", "there is no area %.24s",
                              within);
        str_copy(wpath, sizeof(wpath), a.path);
    }
    if ((rc = store_map_areas(api_db(r), &q, level, within ? wpath : NULL,
                              &items)) != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the figures could not be read; try again");
    return http_json(
        r, 200,
        json_pack("{s:s, s:s?, s:o, s:s}", "level", area_level_name(level),
                  "within", within, "items", items, "formula",
                  "closure_rate = closed / (closed + rejected + overdue)"));
}

/*
 * areas.c - the area tree, its polygons, the category catalogue and the
 * handling units, as the UI and other clients read them.
 */
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/casework.h"
#include "base/err.h"
#include "base/str.h"

int
api_areas_list(struct http_req *r)
{
    const char *parent = http_query(r, "parent");
    struct area a;

    if (parent && store_area_get(api_db(r), parent, &a) != CG_OK)
        return http_error(r, 404, "not_found", "there is no area %.24s",
                          parent);
    return http_json(r, 200,
                     json_pack("{s:s?, s:o}", "parent", parent, "items",
                               store_area_children(api_db(r), parent)));
}

int
api_areas_geojson(struct http_req *r)
{
    const char *within = http_query(r, "within");
    const char *lv = http_query(r, "level");
    const char *crs = http_query(r, "crs");
    enum geo_crs to = GEO_WGS84;
    int level = AREA_DISTRICT;
    json_t *fc, *f;
    size_t i;

    if (lv && area_level_parse(lv, &level) != CG_OK)
        return http_error(r, 400, "invalid_query",
                          "level must be city, district, street, community, "
                          "grid, compound or building");
    if (crs && geo_crs_parse(crs, &to) != CG_OK)
        return http_error(r, 400, "invalid_query",
                          "crs must be 'wgs84' or 'gcj02'");
    fc = store_area_features(api_db(r), within, level);
    if (to != GEO_WGS84) {
        json_array_foreach(json_object_get(fc, "features"), i, f)
        {
            json_t *g =
                geojson_convert(json_object_get(f, "geometry"), GEO_WGS84, to);
            if (g)
                json_object_set_new(f, "geometry", g);
        }
    }
    return http_json(r, 200, fc);
}

int
api_areas_locate(struct http_req *r)
{
    const char *slon = http_query(r, "lon"), *slat = http_query(r, "lat");
    const char *cat = http_query(r, "category");
    char code[CODE_LEN], why[256];
    struct unit unit;
    struct area a;
    double lon, lat;
    json_t *o, *chain;

    if (!slon || !slat || str_to_double(slon, &lon) != CG_OK ||
        str_to_double(slat, &lat) != CG_OK)
        return http_error(r, 400, "invalid_query",
                          "give lon and lat as numbers (WGS-84)");
    if (app_locate(api_app(r), lon, lat, code, sizeof(code)) != CG_OK)
        return http_error(r, 404, "outside_area",
                          "the point is outside every area this platform "
                          "serves");
    chain = store_area_chain(api_db(r), code);
    o = json_pack("{s:s, s:o}", "area", code, "path", chain);
    if (cat && store_area_get(api_db(r), code, &a) == CG_OK &&
        casework_route(api_app(r), cat, &a, &unit, why, sizeof(why)) == CG_OK)
        json_object_set_new(o, "route",
                            json_pack("{s:s, s:s, s:s}", "unit", unit.code,
                                      "unit_name", unit.name, "reason", why));
    return http_json(r, 200, o);
}

int
api_categories(struct http_req *r)
{
    return http_json(
        r, 200, json_pack("{s:o}", "items", store_category_tree(api_db(r))));
}

int
api_units(struct http_req *r)
{
    return http_json(r, 200,
                     json_pack("{s:o}", "items", store_unit_list(api_db(r))));
}

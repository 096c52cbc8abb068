/*
 * geojson.c - reading area polygons from GeoJSON.
 *
 * Input is checked completely before anything is handed on, so an import
 * either takes every feature or none.  What is handed on is a compact,
 * WGS-84 rendering of each geometry with seven decimals (about 1 cm), the
 * form the rest of the program stores and indexes.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "geo/geo.h"

/* Ceiling for one emitted geometry; a city district is a few hundred KB. */
#define GEOMETRY_TEXT_MAX ((size_t)64 * 1024 * 1024)

/* Nesting of coordinate arrays above a position. */
#define LEVEL_POLYGON      2
#define LEVEL_MULTIPOLYGON 3

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *collect_features(json_t *root, char *err, size_t errlen);
static int check_feature(const json_t *f, size_t idx, char *err, size_t errlen);
static int check_geometry(const json_t *geom, size_t idx, char *err,
                          size_t errlen);
static int check_polygon(const json_t *poly, size_t idx, long polyno, char *err,
                         size_t errlen);
static int check_position(const json_t *pos, size_t idx, char *err,
                          size_t errlen);
static int geometry_level(const json_t *geom);
static void convert_point(double lon, double lat, enum geo_crs from,
                          enum geo_crs to, double *olon, double *olat);
static double round7(double v);
static json_t *copy_coords(const json_t *a, int level, enum geo_crs from,
                           enum geo_crs to);
static int emit_coords(struct buf *b, const json_t *a, int level,
                       enum geo_crs from, double bbox[4]);
static int emit_number(struct buf *b, double v);

/* Writes a formatted reason into err (when there is room for one) and
 * returns CG_EINVAL, so a check can fail in one statement. */
static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return CG_EINVAL;
}

int
geojson_read(const char *text, size_t len, enum geo_crs from, geo_feature_cb cb,
             void *ctx, char *err, size_t errlen)
{
    json_t *root = NULL, *list = NULL;
    json_error_t jerr;
    struct buf b;
    size_t i, n;
    int rc = CG_OK;

    buf_init(&b, GEOMETRY_TEXT_MAX);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (text == NULL || cb == NULL) {
        rc = fail(err, errlen, "input: no GeoJSON text");
        goto out;
    }
    root = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        rc = fail(err, errlen, "input: not JSON: %s (line %d, column %d)",
                  jerr.text, jerr.line, jerr.column);
        goto out;
    }
    list = collect_features(root, err, errlen);
    if (list == NULL) {
        rc = CG_EINVAL;
        goto out;
    }
    n = json_array_size(list);
    for (i = 0; i < n; i++) {
        rc = check_feature(json_array_get(list, i), i, err, errlen);
        if (rc != CG_OK)
            goto out;
    }
    for (i = 0; i < n; i++) {
        const json_t *f = json_array_get(list, i);
        const json_t *geom = json_object_get(f, "geometry");
        const json_t *props = json_object_get(f, "properties");
        struct geo_feature gf;
        const char *type = json_string_value(json_object_get(geom, "type"));

        gf.index = i;
        gf.properties = json_is_object(props) ? props : NULL;
        gf.bbox[0] = gf.bbox[1] = INFINITY;
        gf.bbox[2] = gf.bbox[3] = -INFINITY;
        buf_reset(&b);
        if (buf_printf(&b, "{\"type\":\"%s\",\"coordinates\":", type) ||
            emit_coords(&b, json_object_get(geom, "coordinates"),
                        geometry_level(geom), from, gf.bbox) ||
            buf_puts(&b, "}")) {
            rc = fail(err, errlen, "feature %zu: geometry is over %zu bytes", i,
                      GEOMETRY_TEXT_MAX);
            goto out;
        }
        gf.geometry = b.data;
        rc = cb(&gf, ctx);
        if (rc != 0)
            goto out;
    }

out:
    buf_free(&b);
    json_decref(list);
    json_decref(root);
    return rc;
}

/* Returns a new reference to an array of the input's features (one
 * element for a lone Feature), or NULL with err set. */
static json_t *
collect_features(json_t *root, char *err, size_t errlen)
{
    const char *type;
    json_t *list, *features;

    if (json_is_array(root))
        return json_incref(root);
    type = json_string_value(json_object_get(root, "type"));
    if (type != NULL && strcmp(type, "FeatureCollection") == 0) {
        features = json_object_get(root, "features");
        if (!json_is_array(features)) {
            fail(err, errlen,
                 "input: the FeatureCollection has no "
                 "\"features\" array");
            return NULL;
        }
        return json_incref(features);
    }
    if (type != NULL && strcmp(type, "Feature") == 0) {
        list = json_array();
        if (list == NULL || json_array_append(list, root) != 0) {
            json_decref(list);
            fail(err, errlen, "input: out of memory");
            return NULL;
        }
        return list;
    }
    fail(err, errlen,
         "input: expected a FeatureCollection, an array of "
         "Features or a Feature");
    return NULL;
}

static int
check_feature(const json_t *f, size_t idx, char *err, size_t errlen)
{
    const char *type;
    const json_t *props, *geom;

    if (!json_is_object(f))
        return fail(err, errlen, "feature %zu: is not an object", idx);
    type = json_string_value(json_object_get(f, "type"));
    if (type == NULL || strcmp(type, "Feature") != 0)
        return fail(err, errlen, "feature %zu: type is not \"Feature\"", idx);
    props = json_object_get(f, "properties");
    if (props != NULL && !json_is_object(props) && !json_is_null(props))
        return fail(err, errlen, "feature %zu: properties is not an object",
                    idx);
    geom = json_object_get(f, "geometry");
    if (geom == NULL || json_is_null(geom))
        return fail(err, errlen, "feature %zu: has no geometry", idx);
    return check_geometry(geom, idx, err, errlen);
}

static int
check_geometry(const json_t *geom, size_t idx, char *err, size_t errlen)
{
    const char *type;
    const json_t *coords, *poly;
    size_t i;
    int rc;

    if (!json_is_object(geom))
        return fail(err, errlen, "feature %zu: geometry is not an object", idx);
    type = json_string_value(json_object_get(geom, "type"));
    if (type == NULL)
        return fail(err, errlen, "feature %zu: geometry has no type", idx);
    coords = json_object_get(geom, "coordinates");
    if (strcmp(type, "Polygon") == 0) {
        if (!json_is_array(coords))
            return fail(err, errlen,
                        "feature %zu: geometry has no coordinates array", idx);
        return check_polygon(coords, idx, -1, err, errlen);
    }
    if (strcmp(type, "MultiPolygon") != 0)
        return fail(err, errlen,
                    "feature %zu: geometry type %s is not supported; use "
                    "Polygon or MultiPolygon",
                    idx, type);
    if (!json_is_array(coords) || json_array_size(coords) == 0)
        return fail(err, errlen, "feature %zu: MultiPolygon has no polygons",
                    idx);
    json_array_foreach(coords, i, poly)
    {
        rc = check_polygon(poly, idx, (long)i, err, errlen);
        if (rc != CG_OK)
            return rc;
    }
    return CG_OK;
}

/* A polygon is one or more rings, each closed and of at least four
 * positions.  polyno is the polygon's place in a MultiPolygon, or -1. */
static int
check_polygon(const json_t *poly, size_t idx, long polyno, char *err,
              size_t errlen)
{
    char where[48] = "";
    const json_t *ring, *pos;
    size_t r, p, n;
    int rc;

    if (polyno >= 0)
        snprintf(where, sizeof(where), "polygon %ld ", polyno);
    if (!json_is_array(poly) || json_array_size(poly) == 0)
        return fail(err, errlen, "feature %zu: %shas no rings", idx, where);
    json_array_foreach(poly, r, ring)
    {
        if (!json_is_array(ring))
            return fail(err, errlen,
                        "feature %zu: %sring %zu is not an "
                        "array of positions",
                        idx, where, r);
        n = json_array_size(ring);
        if (n < 4)
            return fail(err, errlen,
                        "feature %zu: %sring %zu has %zu positions; a "
                        "closed ring needs at least 4",
                        idx, where, r, n);
        json_array_foreach(ring, p, pos)
        {
            rc = check_position(pos, idx, err, errlen);
            if (rc != CG_OK)
                return rc;
        }
        for (p = 0; p < 2; p++) {
            double a =
                json_number_value(json_array_get(json_array_get(ring, 0), p));
            double z = json_number_value(
                json_array_get(json_array_get(ring, n - 1), p));

            if (a != z)
                return fail(err, errlen,
                            "feature %zu: %sring %zu is not closed; its "
                            "last position must repeat the first",
                            idx, where, r);
        }
    }
    return CG_OK;
}

static int
check_position(const json_t *pos, size_t idx, char *err, size_t errlen)
{
    double lon, lat;

    if (!json_is_array(pos) || json_array_size(pos) < 2 ||
        !json_is_number(json_array_get(pos, 0)) ||
        !json_is_number(json_array_get(pos, 1)))
        return fail(err, errlen,
                    "feature %zu: a position is not [longitude, latitude]",
                    idx);
    lon = json_number_value(json_array_get(pos, 0));
    lat = json_number_value(json_array_get(pos, 1));
    if (!(lon >= -180.0 && lon <= 180.0))
        return fail(err, errlen,
                    "feature %zu: longitude %g is out of range [-180, 180]",
                    idx, lon);
    if (!(lat >= -90.0 && lat <= 90.0))
        return fail(err, errlen,
                    "feature %zu: latitude %g is out of range [-90, 90]", idx,
                    lat);
    return CG_OK;
}

/* Depth of coordinate nesting above positions for a checked geometry. */
static int
geometry_level(const json_t *geom)
{
    const char *type = json_string_value(json_object_get(geom, "type"));

    return strcmp(type, "Polygon") == 0 ? LEVEL_POLYGON : LEVEL_MULTIPOLYGON;
}

json_t *
geojson_convert(const json_t *geom, enum geo_crs from, enum geo_crs to)
{
    const json_t *coords;
    json_t *out, *copy;

    if (geom == NULL || check_geometry(geom, 0, NULL, 0) != CG_OK)
        return NULL;
    coords = json_object_get(geom, "coordinates");
    copy = copy_coords(coords, geometry_level(geom), from, to);
    if (copy == NULL)
        return NULL;
    out = json_pack("{s:s, s:o}", "type",
                    json_string_value(json_object_get(geom, "type")),
                    "coordinates", copy);
    return out;
}

static void
convert_point(double lon, double lat, enum geo_crs from, enum geo_crs to,
              double *olon, double *olat)
{
    if (from == to) {
        *olon = lon;
        *olat = lat;
    } else if (from == GEO_GCJ02) {
        geo_gcj02_to_wgs84(lon, lat, olon, olat);
    } else {
        geo_wgs84_to_gcj02(lon, lat, olon, olat);
    }
}

/* Seven decimals is about 1 cm on the ground, finer than any survey a
 * district publishes, and keeps stored text short. */
static double
round7(double v)
{
    double r = round(v * 1e7) / 1e7;

    return r == 0.0 ? 0.0 : r;
}

/* Deep copy of a checked coordinate array; level 0 is a position. */
static json_t *
copy_coords(const json_t *a, int level, enum geo_crs from, enum geo_crs to)
{
    json_t *out, *item;
    const json_t *child;
    size_t i;

    if (level == 0) {
        double lon, lat;

        convert_point(json_number_value(json_array_get(a, 0)),
                      json_number_value(json_array_get(a, 1)), from, to, &lon,
                      &lat);
        return json_pack("[ff]", round7(lon), round7(lat));
    }
    out = json_array();
    if (out == NULL)
        return NULL;
    json_array_foreach(a, i, child)
    {
        item = copy_coords(child, level - 1, from, to);
        if (item == NULL || json_array_append_new(out, item) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* Appends a checked coordinate array converted to WGS-84 as compact text
 * and widens bbox by every position. */
static int
emit_coords(struct buf *b, const json_t *a, int level, enum geo_crs from,
            double bbox[4])
{
    const json_t *child;
    size_t i;
    int rc;

    if (level == 0) {
        double lon, lat;

        convert_point(json_number_value(json_array_get(a, 0)),
                      json_number_value(json_array_get(a, 1)), from, GEO_WGS84,
                      &lon, &lat);
        lon = round7(lon);
        lat = round7(lat);
        bbox[0] = fmin(bbox[0], lon);
        bbox[1] = fmin(bbox[1], lat);
        bbox[2] = fmax(bbox[2], lon);
        bbox[3] = fmax(bbox[3], lat);
        if ((rc = buf_puts(b, "[")) || (rc = emit_number(b, lon)) ||
            (rc = buf_puts(b, ",")) || (rc = emit_number(b, lat)))
            return rc;
        return buf_puts(b, "]");
    }
    if ((rc = buf_puts(b, "[")))
        return rc;
    json_array_foreach(a, i, child)
    {
        if (i > 0 && (rc = buf_puts(b, ",")))
            return rc;
        if ((rc = emit_coords(b, child, level - 1, from, bbox)))
            return rc;
    }
    return buf_puts(b, "]");
}

/* Writes v with at most seven decimals and no trailing zeros. */
static int
emit_number(struct buf *b, double v)
{
    char s[64];
    size_t n;

    n = (size_t)snprintf(s, sizeof(s), "%.7f", v);
    while (n > 0 && s[n - 1] == '0')
        n--;
    if (n > 0 && s[n - 1] == '.')
        n--;
    s[n] = '\0';
    if (strcmp(s, "-0") == 0)
        return buf_puts(b, "0");
    return buf_append(b, s, n);
}

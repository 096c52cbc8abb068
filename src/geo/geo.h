/*
 * geo.h - areas on the ground: GeoJSON in, coordinate systems, and which
 * area a point falls in.
 *
 * Everything is stored in WGS-84 (the GPS system, close to the national
 * CGCS2000 at metre level).  Chinese web maps publish GCJ-02, an offset
 * system; geometry tagged GCJ-02 is converted on the way in and, when a
 * client asks for it, on the way out.
 */
#ifndef CG_GEO_H
#define CG_GEO_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum geo_crs { GEO_WGS84, GEO_GCJ02 };

int geo_crs_parse(const char *s, enum geo_crs *out); /* "wgs84", "gcj02" */

/* WGS-84 -> GCJ-02 (the published forward formula); points outside China
 * are returned unchanged, as the offset does not apply there. */
void geo_wgs84_to_gcj02(double lon, double lat, double *olon, double *olat);
/* GCJ-02 -> WGS-84 by iterating the forward formula (error < 1 cm). */
void geo_gcj02_to_wgs84(double lon, double lat, double *olon, double *olat);
bool geo_in_china(double lon, double lat);

/* One feature as handed to the reader's callback.  Pointers are valid only
 * during the callback. */
struct geo_feature {
    size_t index;             /* position in the input, from 0 */
    const json_t *properties; /* the feature's properties object (or NULL) */
    const char *geometry;     /* Polygon or MultiPolygon as GeoJSON, WGS-84 */
    double bbox[4];           /* min lon, min lat, max lon, max lat */
};

typedef int (*geo_feature_cb)(const struct geo_feature *f, void *ctx);

/*
 * Reads GeoJSON text: a FeatureCollection, a bare array of Features, or one
 * Feature.  Geometries must be Polygon or MultiPolygon with closed rings of
 * at least 4 positions and coordinates in range.  Coordinates in `from` are
 * converted to WGS-84 before the callback sees them.  Features are checked
 * all first; the callback runs only when the whole input is valid, so an
 * import is all or nothing.  A callback returning non-zero stops the walk
 * and that value is returned.  On CG_EINVAL err holds "feature N: reason".
 */
int geojson_read(const char *text, size_t len, enum geo_crs from,
                 geo_feature_cb cb, void *ctx, char *err, size_t errlen);

/* A deep copy of a Polygon/MultiPolygon geometry object converted between
 * systems.  Returns NULL if geom is not such a geometry. */
json_t *geojson_convert(const json_t *geom, enum geo_crs from, enum geo_crs to);

/*
 * An index of area polygons answering "which is the deepest area that
 * contains this point".  Build it once (add, then build); locate is safe to
 * call from many threads at once.
 */
struct geo_index;

struct geo_index *geo_index_new(void);
void geo_index_free(struct geo_index *ix);
/* depth: 0 city, 1 district, 2 street, 3 community, 4 grid, 5 compound.
 * The code is copied.  CG_EINVAL if the geometry cannot be read. */
int geo_index_add(struct geo_index *ix, const char *code, int depth,
                  const char *geometry_json);
int geo_index_build(struct geo_index *ix);
size_t geo_index_count(const struct geo_index *ix);
/* Code of the deepest area containing (lon, lat) in WGS-84, or NULL.  A
 * point on a shared border goes to either neighbour.  The string belongs to
 * the index. */
const char *geo_index_locate(const struct geo_index *ix, double lon,
                             double lat);

#endif

/*
 * fuzz_geojson.c - area files: GeoJSON read and checked in both
 * coordinate systems, each emitted geometry read back (it must pass the
 * same checks), converted, and put into a point-in-area index that is
 * then asked about a point of its box.
 *
 * Input: the GeoJSON text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "geo/geo.h"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The index is built with GEOS, which is not instrumented and slow on
 * big rings; larger inputs still go through the reader. */
#define INDEX_INPUT_MAX 4096

struct walk {
    struct geo_index *ix;
    size_t count;
};

static int feature_cb(const struct geo_feature *f, void *ctx);
static int count_cb(const struct geo_feature *f, void *ctx);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_quiet();
    return 0;
}

static int
count_cb(const struct geo_feature *f, void *ctx)
{
    (*(size_t *)ctx)++;
    return 0;
}

static int
feature_cb(const struct geo_feature *f, void *ctx)
{
    struct walk *w = ctx;
    char err[256], *wrapped;
    json_t *geom, *gcj, *back;
    size_t n = 0, len;

    if (f->index != w->count++)
        abort();
    if (!(f->bbox[0] <= f->bbox[2]) || !(f->bbox[1] <= f->bbox[3]) ||
        f->bbox[0] < -180 || f->bbox[2] > 180 || f->bbox[1] < -90 ||
        f->bbox[3] > 90)
        abort();
    /* What the reader hands on is what it would take again. */
    len = strlen(f->geometry) + 64;
    wrapped = xmalloc(len);
    if (str_fmt(wrapped, len, "{\"type\":\"Feature\",\"geometry\":%s}",
                f->geometry) != CG_OK)
        abort();
    if (geojson_read(wrapped, strlen(wrapped), GEO_WGS84, count_cb, &n, err,
                     sizeof(err)) != CG_OK ||
        n != 1)
        abort();
    free(wrapped);
    geom = json_loads(f->geometry, 0, NULL);
    if (geom == NULL)
        abort();
    gcj = geojson_convert(geom, GEO_WGS84, GEO_GCJ02);
    back = gcj ? geojson_convert(gcj, GEO_GCJ02, GEO_WGS84) : NULL;
    if (gcj == NULL || back == NULL)
        abort();
    json_decref(back);
    json_decref(gcj);
    json_decref(geom);
    if (w->ix)
        (void)geo_index_add(w->ix, "area", (int)(f->index % 6), f->geometry);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum geo_crs crs[] = {GEO_WGS84, GEO_GCJ02};
    struct walk w;
    char err[256];
    size_t i;
    int rc;

    for (i = 0; i < 2; i++) {
        memset(&w, 0, sizeof(w));
        if (i == 0 && size <= INDEX_INPUT_MAX)
            w.ix = geo_index_new();
        err[0] = 'x';
        rc = geojson_read((const char *)data, size, crs[i], feature_cb, &w, err,
                          sizeof(err));
        if (rc != CG_OK && (err[0] == '\0' || !memchr(err, '\0', sizeof(err))))
            abort();
        if (w.ix) {
            if (rc == CG_OK && geo_index_build(w.ix) == CG_OK &&
                geo_index_count(w.ix) > 0) {
                (void)geo_index_locate(w.ix, 111.67, 40.82);
                (void)geo_index_locate(w.ix, 0, 0);
            }
            geo_index_free(w.ix);
        }
    }
    return 0;
}

/*
 * index.c - which area contains a point.
 *
 * Each area keeps its GEOS geometry and a prepared form of it (an indexed
 * point-in-area locator), and an STR-tree over the areas' envelopes picks
 * the few candidates worth an exact test.
 *
 * Concurrency: GEOS builds the inner indexes of a prepared geometry and of
 * an STR-tree lazily, on first use, without locks.  Build therefore makes
 * that first use itself (one query on the tree, and per area one test of
 * the same predicate locate uses), after which locate only reads shared
 * structures.  The remaining per-call state - the query point and the error
 * buffer of the GEOS context - lives in a context owned by the calling thread.
 */
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "geo/geo.h"

#define DEPTH_MAX        5
#define STRTREE_CAPACITY 10

struct area {
    char *code;
    int depth;
    size_t order; /* place of addition, to break depth ties stably */
    GEOSGeometry *geom;
    const GEOSPreparedGeometry *prep;
};

struct geo_index {
    GEOSContextHandle_t ctx; /* for add, build and free only */
    struct area *areas;
    size_t count, cap;
    GEOSSTRtree *tree; /* NULL until built */
};

/* What one locate call has found so far. */
struct hit {
    GEOSContextHandle_t ctx;
    const GEOSGeometry *point;
    const struct area *best;
};

static void geos_notice(const char *fmt, ...);
static GEOSContextHandle_t context_new(void);
static GEOSContextHandle_t thread_context(void);
static void thread_context_free(void *ctx);
static void thread_key_create(void);
static void visit_candidate(void *item, void *userdata);
static void prime_area(GEOSContextHandle_t ctx, const struct area *a);
static void drop_tree(struct geo_index *ix);

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

/* GEOS reports notices and errors through this; they are detail for an
 * operator, the caller gets an error code. */
static void
geos_notice(const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_debug("msg=\"geos notice\" detail=\"%s\"", msg);
}

static GEOSContextHandle_t
context_new(void)
{
    GEOSContextHandle_t ctx = GEOS_init_r();

    if (ctx == NULL)
        CG_FATAL("GEOS_init_r failed");
    GEOSContext_setNoticeHandler_r(ctx, geos_notice);
    GEOSContext_setErrorHandler_r(ctx, geos_notice);
    return ctx;
}

static void
thread_key_create(void)
{
    if (pthread_key_create(&thread_key, thread_context_free) != 0)
        CG_FATAL("pthread_key_create failed");
}

static void
thread_context_free(void *ctx)
{
    GEOS_finish_r(ctx);
}

/* The calling thread's own GEOS context, made on first use and finished
 * when the thread exits. */
static GEOSContextHandle_t
thread_context(void)
{
    GEOSContextHandle_t ctx;

    pthread_once(&thread_key_once, thread_key_create);
    ctx = pthread_getspecific(thread_key);
    if (ctx == NULL) {
        ctx = context_new();
        if (pthread_setspecific(thread_key, ctx) != 0)
            CG_FATAL("pthread_setspecific failed");
    }
    return ctx;
}

struct geo_index *
geo_index_new(void)
{
    struct geo_index *ix = xcalloc(1, sizeof(*ix));

    ix->ctx = context_new();
    return ix;
}

void
geo_index_free(struct geo_index *ix)
{
    if (ix == NULL)
        return;
    drop_tree(ix);
    for (size_t i = 0; i < ix->count; i++) {
        GEOSPreparedGeom_destroy_r(ix->ctx, ix->areas[i].prep);
        GEOSGeom_destroy_r(ix->ctx, ix->areas[i].geom);
        free(ix->areas[i].code);
    }
    free(ix->areas);
    GEOS_finish_r(ix->ctx);
    free(ix);
}

/* Reads one Polygon or MultiPolygon and prepares it.  The index must be
 * built again before new areas are found. */
int
geo_index_add(struct geo_index *ix, const char *code, int depth,
              const char *geometry_json)
{
    GEOSGeoJSONReader *reader = NULL;
    GEOSGeometry *g = NULL;
    const GEOSPreparedGeometry *prep = NULL;
    struct area *a;
    int type, rc = CG_EINVAL;

    if (ix == NULL || code == NULL || geometry_json == NULL || depth < 0 ||
        depth > DEPTH_MAX)
        goto out;
    reader = GEOSGeoJSONReader_create_r(ix->ctx);
    if (reader == NULL)
        CG_FATAL("GEOSGeoJSONReader_create_r failed");
    g = GEOSGeoJSONReader_readGeometry_r(ix->ctx, reader, geometry_json);
    if (g == NULL)
        goto out;
    type = GEOSGeomTypeId_r(ix->ctx, g);
    if ((type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) ||
        GEOSisEmpty_r(ix->ctx, g) != 0)
        goto out;
    prep = GEOSPrepare_r(ix->ctx, g);
    if (prep == NULL)
        goto out;
    drop_tree(ix);
    if (ix->count == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 64;
        ix->areas = xrealloc(ix->areas, ix->cap * sizeof(*ix->areas));
    }
    a = &ix->areas[ix->count];
    a->code = str_dup(code);
    a->depth = depth;
    a->order = ix->count;
    a->geom = g;
    a->prep = prep;
    ix->count++;
    g = NULL;
    prep = NULL;
    rc = CG_OK;

out:
    if (reader != NULL)
        GEOSGeoJSONReader_destroy_r(ix->ctx, reader);
    if (prep != NULL)
        GEOSPreparedGeom_destroy_r(ix->ctx, prep);
    if (g != NULL)
        GEOSGeom_destroy_r(ix->ctx, g);
    return rc;
}

/* Puts every area into a fresh STR-tree and makes the lazy first use of
 * the tree and of every prepared geometry here, in one thread, so that
 * locate never writes to shared structures. */
int
geo_index_build(struct geo_index *ix)
{
    GEOSGeometry *probe;
    struct hit h;

    if (ix == NULL)
        return CG_EINVAL;
    drop_tree(ix);
    ix->tree = GEOSSTRtree_create_r(ix->ctx, STRTREE_CAPACITY);
    if (ix->tree == NULL)
        CG_FATAL("GEOSSTRtree_create_r failed");
    for (size_t i = 0; i < ix->count; i++) {
        GEOSSTRtree_insert_r(ix->ctx, ix->tree, ix->areas[i].geom,
                             &ix->areas[i]);
        prime_area(ix->ctx, &ix->areas[i]);
    }
    probe = GEOSGeom_createPointFromXY_r(ix->ctx, 0.0, 0.0);
    if (probe == NULL)
        CG_FATAL("GEOSGeom_createPointFromXY_r failed");
    h.ctx = ix->ctx;
    h.point = probe;
    h.best = NULL;
    GEOSSTRtree_query_r(ix->ctx, ix->tree, probe, visit_candidate, &h);
    GEOSGeom_destroy_r(ix->ctx, probe);
    return CG_OK;
}

/* Asks the prepared geometry about a point inside its envelope, which
 * makes GEOS build the point-in-area index it would otherwise build on
 * the first real query. */
static void
prime_area(GEOSContextHandle_t ctx, const struct area *a)
{
    double x0, y0, x1, y1;
    GEOSGeometry *p;

    if (GEOSGeom_getXMin_r(ctx, a->geom, &x0) == 0 ||
        GEOSGeom_getYMin_r(ctx, a->geom, &y0) == 0 ||
        GEOSGeom_getXMax_r(ctx, a->geom, &x1) == 0 ||
        GEOSGeom_getYMax_r(ctx, a->geom, &y1) == 0)
        return;
    p = GEOSGeom_createPointFromXY_r(ctx, (x0 + x1) / 2, (y0 + y1) / 2);
    if (p == NULL)
        CG_FATAL("GEOSGeom_createPointFromXY_r failed");
    (void)GEOSPreparedIntersects_r(ctx, a->prep, p);
    GEOSGeom_destroy_r(ctx, p);
}

size_t
geo_index_count(const struct geo_index *ix)
{
    return ix ? ix->count : 0;
}

const char *
geo_index_locate(const struct geo_index *ix, double lon, double lat)
{
    GEOSContextHandle_t ctx;
    GEOSGeometry *point;
    struct hit h;

    if (ix == NULL || ix->tree == NULL)
        return NULL;
    ctx = thread_context();
    point = GEOSGeom_createPointFromXY_r(ctx, lon, lat);
    if (point == NULL)
        return NULL;
    h.ctx = ctx;
    h.point = point;
    h.best = NULL;
    GEOSSTRtree_query_r(ctx, ix->tree, point, visit_candidate, &h);
    GEOSGeom_destroy_r(ctx, point);
    return h.best ? h.best->code : NULL;
}

/* STR-tree callback for one area whose envelope holds the point.  An area
 * no deeper than the best so far is not worth the exact test; among equal
 * depths the one added first wins, so answers do not depend on the tree's
 * visiting order. */
static void
visit_candidate(void *item, void *userdata)
{
    const struct area *a = item;
    struct hit *h = userdata;

    if (h->best != NULL &&
        (a->depth < h->best->depth ||
         (a->depth == h->best->depth && a->order > h->best->order)))
        return;
    if (GEOSPreparedIntersects_r(h->ctx, a->prep, h->point) == 1)
        h->best = a;
}

static void
drop_tree(struct geo_index *ix)
{
    if (ix->tree != NULL) {
        GEOSSTRtree_destroy_r(ix->ctx, ix->tree);
        ix->tree = NULL;
    }
}

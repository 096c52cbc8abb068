/* test_geo_index.c - placing points in the deepest containing area. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "geo/geo.h"

#define GRID_N       100 /* squares per side in the large index */
#define GRID_STEP    0.01
#define GRID_LON0    111.0
#define GRID_LAT0    40.0
#define THREADS      8
#define BENCH_POINTS 200000

static char *square(double x0, double y0, double x1, double y1);
static struct geo_index *nested_index(void);
static struct geo_index *grid_index(void);
static void grid_code(int i, int j, char *out, size_t outlen);
static double uniform(unsigned *seed);

/* A Polygon text for the box; the caller frees it. */
static char *
square(double x0, double y0, double x1, double y1)
{
    struct buf b;

    buf_init(&b, 1024);
    buf_printf(&b,
               "{\"type\":\"Polygon\",\"coordinates\":[[[%.7f,%.7f],"
               "[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f]]]}",
               x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return buf_steal(&b);
}

/* District 150103 holds street 150103001 which holds grid
 * 150103001001001; a MultiPolygon community with a hole lies apart. */
static struct geo_index *
nested_index(void)
{
    static const struct {
        const char *code;
        int depth;
        double box[4];
    } areas[] = {
        {"150103", 1, {111.0, 40.0, 111.10, 40.10}},
        {"150103001", 2, {111.0, 40.0, 111.05, 40.05}},
        {"150103001001001", 4, {111.0, 40.0, 111.02, 40.02}},
        {"150103001002001", 4, {111.02, 40.0, 111.04, 40.02}},
    };
    const char *multi =
        "{\"type\":\"MultiPolygon\",\"coordinates\":["
        "[[[112,41],[112.3,41],[112.3,41.3],[112,41.3],[112,41]],"
        " [[112.1,41.1],[112.1,41.2],[112.2,41.2],[112.2,41.1],[112.1,41.1]]],"
        "[[[112.5,41],[112.6,41],[112.6,41.1],[112.5,41.1],[112.5,41]]]]}";
    struct geo_index *ix = geo_index_new();

    for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
        char *g = square(areas[i].box[0], areas[i].box[1], areas[i].box[2],
                         areas[i].box[3]);

        assert_int_equal(geo_index_add(ix, areas[i].code, areas[i].depth, g),
                         CG_OK);
        free(g);
    }
    assert_int_equal(geo_index_add(ix, "150105002003", 3, multi), CG_OK);
    assert_int_equal(geo_index_build(ix), CG_OK);
    return ix;
}

static void
test_nested(void **state)
{
    static const struct {
        double lon, lat;
        const char *want; /* NULL: no area */
    } cases[] = {
        {111.01, 40.01, "150103001001001"}, /* in the grid */
        {111.03, 40.01, "150103001002001"}, /* in the neighbouring grid */
        {111.01, 40.03, "150103001"},       /* in the street, no grid */
        {111.08, 40.08, "150103"},          /* in the district only */
        {111.20, 40.20, NULL},              /* outside everything */
        {110.99, 40.01, NULL},              /* just west of the district */
        {112.05, 41.05, "150105002003"},    /* first polygon, off the hole */
        {112.15, 41.15, NULL},              /* in the hole */
        {112.55, 41.05, "150105002003"},    /* second polygon */
        {112.40, 41.05, NULL},              /* between the polygons */
    };
    struct geo_index *ix = nested_index();

    (void)state;
    assert_int_equal(geo_index_count(ix), 5);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = geo_index_locate(ix, cases[i].lon, cases[i].lat);

        if (cases[i].want == NULL
                ? got != NULL
                : got == NULL || strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu (%f, %f): got %s, want %s", i, cases[i].lon,
                     cases[i].lat, got ? got : "NULL",
                     cases[i].want ? cases[i].want : "NULL");
    }
    /* on the edge the two grids share: either one, but one of them */
    assert_non_null(geo_index_locate(ix, 111.02, 40.01));
    assert_int_equal(
        strncmp(geo_index_locate(ix, 111.02, 40.01), "15010300100", 11), 0);
    geo_index_free(ix);
}

static void
test_add_rejects(void **state)
{
    static const struct {
        const char *code;
        int depth;
        const char *geometry;
    } cases[] = {
        {"x", 1, "not json"},
        {"x", 1, "{\"type\":\"Point\",\"coordinates\":[1,2]}"},
        {"x", 1, "{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]}"},
        {"x", 1, "{\"type\":\"Polygon\",\"coordinates\":[]}"},
        {"x", 9,
         "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}"},
        {"x", -1,
         "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}"},
        {NULL, 1,
         "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}"},
        {"x", 1, NULL},
    };
    struct geo_index *ix = geo_index_new();

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (geo_index_add(ix, cases[i].code, cases[i].depth,
                          cases[i].geometry) != CG_EINVAL)
            fail_msg("case %zu was accepted", i);
    }
    assert_int_equal(geo_index_count(ix), 0);
    /* an empty or unbuilt index finds nothing */
    assert_null(geo_index_locate(ix, 0.5, 0.2));
    assert_int_equal(geo_index_build(ix), CG_OK);
    assert_null(geo_index_locate(ix, 0.5, 0.2));
    geo_index_free(ix);
    assert_null(geo_index_locate(NULL, 0.5, 0.2));
}

static void
grid_code(int i, int j, char *out, size_t outlen)
{
    snprintf(out, outlen, "g%03d%03d", i, j);
}

/* GRID_N x GRID_N small squares under one district covering them all. */
static struct geo_index *
grid_index(void)
{
    struct geo_index *ix = geo_index_new();
    char code[32], *g;

    g = square(GRID_LON0, GRID_LAT0, GRID_LON0 + GRID_N * GRID_STEP,
               GRID_LAT0 + GRID_N * GRID_STEP);
    assert_int_equal(geo_index_add(ix, "district", 1, g), CG_OK);
    free(g);
    for (int i = 0; i < GRID_N; i++) {
        for (int j = 0; j < GRID_N; j++) {
            double x = GRID_LON0 + i * GRID_STEP, y = GRID_LAT0 + j * GRID_STEP;

            grid_code(i, j, code, sizeof(code));
            g = square(x, y, x + GRID_STEP, y + GRID_STEP);
            assert_int_equal(geo_index_add(ix, code, 4, g), CG_OK);
            free(g);
        }
    }
    assert_int_equal(geo_index_build(ix), CG_OK);
    return ix;
}

static double
uniform(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (double)((*seed >> 8) & 0xFFFFFF) / (double)0x1000000;
}

struct worker {
    const struct geo_index *ix;
    unsigned seed;
    int wrong;
};

/* Locates points away from the square edges and checks each answer. */
static void *
worker_run(void *arg)
{
    struct worker *w = arg;
    char want[32];

    for (int k = 0; k < 20000; k++) {
        int i = (int)(uniform(&w->seed) * GRID_N);
        int j = (int)(uniform(&w->seed) * GRID_N);
        double fx = 0.1 + 0.8 * uniform(&w->seed);
        double fy = 0.1 + 0.8 * uniform(&w->seed);
        const char *got =
            geo_index_locate(w->ix, GRID_LON0 + (i + fx) * GRID_STEP,
                             GRID_LAT0 + (j + fy) * GRID_STEP);

        grid_code(i, j, want, sizeof(want));
        if (got == NULL || strcmp(got, want) != 0)
            w->wrong++;
    }
    return NULL;
}

static void
test_many_threads(void **state)
{
    struct geo_index *ix = grid_index();
    struct worker w[THREADS];
    pthread_t t[THREADS];

    (void)state;
    assert_int_equal(geo_index_count(ix), GRID_N * GRID_N + 1);
    for (int i = 0; i < THREADS; i++) {
        w[i].ix = ix;
        w[i].seed = 17u + (unsigned)i;
        w[i].wrong = 0;
        assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].wrong, 0);
    }
    geo_index_free(ix);
}

static void
test_locate_speed(void **state)
{
    struct geo_index *ix = grid_index();
    struct timespec t0, t1;
    unsigned seed = 99;
    size_t found = 0;
    double us;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < BENCH_POINTS; k++) {
        double lon = GRID_LON0 + uniform(&seed) * GRID_N * GRID_STEP;
        double lat = GRID_LAT0 + uniform(&seed) * GRID_N * GRID_STEP;

        found += geo_index_locate(ix, lon, lat) != NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
          (double)(t1.tv_nsec - t0.tv_nsec)) /
         1e3 / BENCH_POINTS;
    printf("locate: %.2f us per point among %d squares (%d points)\n", us,
           GRID_N * GRID_N, BENCH_POINTS);
    assert_int_equal(found, BENCH_POINTS);
    assert_true(us < 50.0);
    geo_index_free(ix);
}

/* Where the shared real data lives: CIVICGRID_SHARED_DATA, or ../shared/data
 * beside the repository (found from CIVICGRID_TEST_DATA, which is the
 * repository's tests/data). */
static int
shared_data_path(const char *file, char *out, size_t outlen)
{
    const char *env = getenv("CIVICGRID_SHARED_DATA");
    const char *td = getenv("CIVICGRID_TEST_DATA");
    size_t n;

    if (env != NULL && env[0] != '\0')
        return snprintf(out, outlen, "%s/%s", env, file) < (int)outlen ? 0 : -1;
    if (td == NULL)
        return -1;
    n = strlen(td);
    while (n > 0 && td[n - 1] == '/')
        n--;
    if (n < 11 || strncmp(td + n - 11, "/tests/data", 11) != 0)
        return -1;
    return snprintf(out, outlen, "%.*s/../shared/data/%s", (int)(n - 11), td,
                    file) < (int)outlen
               ? 0
               : -1;
}

static int
add_district(const struct geo_feature *f, void *ctx)
{
    json_t *adcode = json_object_get(f->properties, "adcode");
    char code[32];

    snprintf(code, sizeof(code), "%lld", (long long)json_integer_value(adcode));
    return geo_index_add(ctx, code, 1, f->geometry);
}

static void
test_hohhot_districts(void **state)
{
    static const struct {
        double glon, glat; /* GCJ-02, as a web map shows it */
        const char *want;
    } cases[] = {
        {111.558975, 40.868828, "150103"}, /* centroid of 回民区 */
        {111.943436, 40.785639, "150105"}, /* centroid of 赛罕区 */
        {111.844321, 40.968113, "150102"}, /* centroid of 新城区 */
        {116.397627, 39.908780, NULL},     /* Beijing */
    };
    struct geo_index *ix;
    char path[4096], err[256];
    FILE *fp;
    struct buf text;
    char chunk[8192];
    size_t n;

    (void)state;
    if (shared_data_path("hohhot/150100.json", path, sizeof(path)) != 0 ||
        (fp = fopen(path, "rb")) == NULL) {
        printf("skipped: ../shared/data not present\n");
        skip();
        return;
    }
    buf_init(&text, 16 << 20);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        assert_int_equal(buf_append(&text, chunk, n), CG_OK);
    fclose(fp);

    ix = geo_index_new();
    assert_int_equal(geojson_read(text.data, text.len, GEO_GCJ02, add_district,
                                  ix, err, sizeof(err)),
                     CG_OK);
    assert_int_equal(geo_index_count(ix), 9);
    assert_int_equal(geo_index_build(ix), CG_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double lon, lat;
        const char *got;

        geo_gcj02_to_wgs84(cases[i].glon, cases[i].glat, &lon, &lat);
        got = geo_index_locate(ix, lon, lat);
        if (cases[i].want == NULL
                ? got != NULL
                : got == NULL || strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: got %s, want %s", i, got ? got : "NULL",
                     cases[i].want ? cases[i].want : "NULL");
    }
    geo_index_free(ix);
    buf_free(&text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_add_rejects),
        cmocka_unit_test(test_many_threads),
        cmocka_unit_test(test_locate_speed),
        cmocka_unit_test(test_hohhot_districts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

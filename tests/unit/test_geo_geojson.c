/* test_geo_geojson.c - reading area polygons from GeoJSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "geo/geo.h"

/* What the callback saw, flattened into text so inputs can be compared. */
struct seen {
    int calls;
    int stop_at; /* return 7 on this call (1-based), 0 for never */
    struct buf log;
};

#define SQUARE                                                                 \
    "{\"type\":\"Polygon\",\"coordinates\":[[[111.5,40.5],[111.6,40.5],"       \
    "[111.6,40.6],[111.5,40.6],[111.5,40.5]]]}"
#define MULTI                                                                  \
    "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[112,41],[113,41],"         \
    "[113,42],[112,41]]],[[[114,41],[115,41],[115,42],[114,41]]]]}"
#define FEATURE_A                                                              \
    "{\"type\":\"Feature\",\"properties\":{\"adcode\":150103,\"name\":"        \
    "\"回民区\"},\"geometry\":" SQUARE "}"
#define FEATURE_B                                                              \
    "{\"type\":\"Feature\",\"properties\":null,\"geometry\":" MULTI "}"

static int
record(const struct geo_feature *f, void *ctx)
{
    struct seen *s = ctx;
    const char *name = NULL;

    s->calls++;
    if (f->properties != NULL)
        name = json_string_value(json_object_get(f->properties, "name"));
    buf_printf(&s->log, "%zu|%s|%s|%.7f,%.7f,%.7f,%.7f\n", f->index,
               name ? name : "-", f->geometry, f->bbox[0], f->bbox[1],
               f->bbox[2], f->bbox[3]);
    return s->calls == s->stop_at ? 7 : 0;
}

static int
read_text(const char *text, enum geo_crs crs, struct seen *s, char *err,
          size_t errlen)
{
    buf_init(&s->log, 1 << 20);
    s->calls = 0;
    return geojson_read(text, strlen(text), crs, record, s, err, errlen);
}

static void
test_input_shapes_agree(void **state)
{
    const char *collection =
        "{\"type\":\"FeatureCollection\",\"features\":[" FEATURE_A "," FEATURE_B
        "]}";
    const char *array = "[" FEATURE_A "," FEATURE_B "]";
    struct seen a = {0}, b = {0}, c = {0};
    char err[256];

    (void)state;
    assert_int_equal(read_text(collection, GEO_WGS84, &a, err, sizeof(err)),
                     CG_OK);
    assert_int_equal(read_text(array, GEO_WGS84, &b, err, sizeof(err)), CG_OK);
    assert_int_equal(a.calls, 2);
    assert_string_equal(a.log.data, b.log.data);
    assert_non_null(strstr(a.log.data,
                           "0|回民区|" SQUARE "|111.5000000,40.5000000,"
                           "111.6000000,40.6000000\n"));
    assert_non_null(strstr(a.log.data, "1|-|" MULTI "|112.0000000,"
                                       "41.0000000,115.0000000,42.0000000"));

    assert_int_equal(read_text(FEATURE_A, GEO_WGS84, &c, err, sizeof(err)),
                     CG_OK);
    assert_int_equal(c.calls, 1);
    assert_non_null(strstr(a.log.data, c.log.data));
    buf_free(&a.log);
    buf_free(&b.log);
    buf_free(&c.log);
}

/* Output is compact and rounded to seven decimals; GCJ-02 input arrives in
 * WGS-84. */
static void
test_rounding_and_conversion(void **state)
{
    const char *fine =
        "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\": [ [ [116.123456789, 39.1, 12.5], [116.2, 39.1],"
        " [116.2, 39.2], [116.123456789, 39.1] ] ] } }";
    const char *gcj = "{\"type\":\"Feature\",\"geometry\":{\"type\":"
                      "\"Polygon\",\"coordinates\":[[[116.397627,39.90878],"
                      "[116.4,39.90878],[116.4,39.91],[116.397627,"
                      "39.90878]]]}}";
    char want[256], err[256];
    double lon, lat;
    struct seen s = {0};

    (void)state;
    assert_int_equal(read_text(fine, GEO_WGS84, &s, err, sizeof(err)), CG_OK);
    assert_string_equal(
        s.log.data,
        "0|-|{\"type\":\"Polygon\",\"coordinates\":[[[116.1234568,39.1],"
        "[116.2,39.1],[116.2,39.2],[116.1234568,39.1]]]}|116.1234568,"
        "39.1000000,116.2000000,39.2000000\n");
    buf_free(&s.log);

    assert_int_equal(read_text(gcj, GEO_GCJ02, &s, err, sizeof(err)), CG_OK);
    geo_gcj02_to_wgs84(116.397627, 39.90878, &lon, &lat);
    snprintf(want, sizeof(want), "[[[%.7f,%.7f],", lon, lat);
    assert_non_null(strstr(s.log.data, want));
    assert_true(fabs(lon - 116.391349) < 1e-4 && fabs(lat - 39.907375) < 1e-4);
    buf_free(&s.log);
}

static void
test_bad_inputs(void **state)
{
    static const struct {
        const char *text;
        const char *want; /* expected start of the message */
    } cases[] = {
        {"{\"type\":", "input: not JSON"},
        {"42", "input: expected a FeatureCollection"},
        {"{\"type\":\"FeatureCollection\"}", "input: the FeatureCollection"},
        /* ring whose last position differs from the first */
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"Polygon\",\"coordinates\":[[[1,1],[2,1],[2,2],[1,2]]]}}]",
         "feature 1: ring 0 is not closed"},
        /* three positions cannot close a ring with area */
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"Polygon\",\"coordinates\":[[[1,1],[2,1],[1,1]]]}}]",
         "feature 1: ring 0 has 3 positions"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"Point\",\"coordinates\":[1,1]}}]",
         "feature 1: geometry type Point is not supported; use Polygon or "
         "MultiPolygon"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"LineString\",\"coordinates\":[[1,1],[2,2]]}}]",
         "feature 1: geometry type LineString is not supported; use Polygon "
         "or MultiPolygon"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"Polygon\",\"coordinates\":[[[1,95],[2,1],[2,2],[1,95]]]}}]",
         "feature 1: latitude 95 is out of range"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"Polygon\",\"coordinates\":[[[181,1],[2,1],[2,2],[181,1]]]}}]",
         "feature 1: longitude 181 is out of range"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"properties\":{}}]",
         "feature 1: has no geometry"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":null}]",
         "feature 1: has no geometry"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"MultiPolygon\",\"coordinates\":[[[[1,1],[2,1],[2,2],[1,1]]],"
         "[[[1,1],[2,1],[2,2]]]]}}]",
         "feature 1: polygon 1 ring 0 has 3 positions"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"geometry\":{\"type\":"
         "\"Polygon\",\"coordinates\":[[[1,\"x\"],[2,1],[2,2],[1,1]]]}}]",
         "feature 1: a position is not [longitude, latitude]"},
        {"[" FEATURE_A ",{\"type\":\"Feature\",\"properties\":[],"
         "\"geometry\":" SQUARE "}]",
         "feature 1: properties is not an object"},
        {"[" FEATURE_A ",{\"type\":\"Thing\",\"geometry\":" SQUARE "}]",
         "feature 1: type is not \"Feature\""},
        {"[" FEATURE_A ",[]]", "feature 1: is not an object"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        struct seen s = {0};
        int rc = read_text(cases[i].text, GEO_WGS84, &s, err, sizeof(err));

        if (rc != CG_EINVAL || s.calls != 0 ||
            strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("case %zu: rc %d, %d calls, message \"%s\"", i, rc,
                     s.calls, err);
        buf_free(&s.log);
    }
}

static void
test_callback_stops_walk(void **state)
{
    const char *array = "[" FEATURE_A "," FEATURE_B "," FEATURE_A "]";
    char err[256];
    struct seen s = {.stop_at = 2};

    (void)state;
    assert_int_equal(read_text(array, GEO_WGS84, &s, err, sizeof(err)), 7);
    assert_int_equal(s.calls, 2);
    buf_free(&s.log);
}

static void
test_convert(void **state)
{
    json_t *geom, *gcj, *back, *bad;
    json_t *pos;

    (void)state;
    geom = json_loads(MULTI, 0, NULL);
    assert_non_null(geom);
    gcj = geojson_convert(geom, GEO_WGS84, GEO_GCJ02);
    assert_non_null(gcj);
    assert_string_equal(json_string_value(json_object_get(gcj, "type")),
                        "MultiPolygon");
    back = geojson_convert(gcj, GEO_GCJ02, GEO_WGS84);
    assert_non_null(back);
    pos = json_array_get(
        json_array_get(json_array_get(json_object_get(gcj, "coordinates"), 1),
                       0),
        2);
    assert_true(fabs(json_number_value(json_array_get(pos, 0)) - 115) > 1e-4);
    pos = json_array_get(
        json_array_get(json_array_get(json_object_get(back, "coordinates"), 1),
                       0),
        2);
    assert_true(fabs(json_number_value(json_array_get(pos, 0)) - 115) < 1e-6);
    assert_true(fabs(json_number_value(json_array_get(pos, 1)) - 42) < 1e-6);

    bad = json_loads("{\"type\":\"Point\",\"coordinates\":[1,2]}", 0, NULL);
    assert_null(geojson_convert(bad, GEO_WGS84, GEO_GCJ02));
    assert_null(geojson_convert(NULL, GEO_WGS84, GEO_GCJ02));
    json_decref(bad);
    json_decref(back);
    json_decref(gcj);
    json_decref(geom);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_shapes_agree),
        cmocka_unit_test(test_rounding_and_conversion),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_callback_stops_walk),
        cmocka_unit_test(test_convert),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

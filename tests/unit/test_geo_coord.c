/* test_geo_coord.c - coordinate systems: names, GCJ-02 both ways. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/err.h"
#include "geo/geo.h"

static void
test_crs_parse(void **state)
{
    static const struct {
        const char *in;
        int rc;
        enum geo_crs crs;
    } cases[] = {
        {"wgs84", CG_OK, GEO_WGS84},     {"WGS-84", CG_OK, GEO_WGS84},
        {"EPSG:4326", CG_OK, GEO_WGS84}, {"epsg:4326", CG_OK, GEO_WGS84},
        {"gcj02", CG_OK, GEO_GCJ02},     {"GCJ-02", CG_OK, GEO_GCJ02},
        {"Gcj02", CG_OK, GEO_GCJ02},     {"bd09", CG_EINVAL, GEO_WGS84},
        {"", CG_EINVAL, GEO_WGS84},      {"wgs84 ", CG_EINVAL, GEO_WGS84},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum geo_crs crs = GEO_WGS84;

        assert_int_equal(geo_crs_parse(cases[i].in, &crs), cases[i].rc);
        if (cases[i].rc == CG_OK)
            assert_int_equal(crs, cases[i].crs);
    }
    assert_int_equal(geo_crs_parse(NULL, NULL), CG_EINVAL);
}

/* The WGS-84 position of a landmark and where a GCJ-02 web map shows it;
 * the offset in Beijing is about 550 m, mostly eastward. */
static void
test_forward_known_points(void **state)
{
    static const struct {
        const char *what;
        double wlon, wlat, glon, glat;
    } cases[] = {
        {"Tiananmen", 116.391349, 39.907375, 116.397627, 39.908780},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double lon, lat;

        geo_wgs84_to_gcj02(cases[i].wlon, cases[i].wlat, &lon, &lat);
        if (fabs(lon - cases[i].glon) > 1e-4 ||
            fabs(lat - cases[i].glat) > 1e-4)
            fail_msg("%s: got (%.6f, %.6f), want (%.6f, %.6f)", cases[i].what,
                     lon, lat, cases[i].glon, cases[i].glat);
        geo_gcj02_to_wgs84(cases[i].glon, cases[i].glat, &lon, &lat);
        if (fabs(lon - cases[i].wlon) > 1e-4 ||
            fabs(lat - cases[i].wlat) > 1e-4)
            fail_msg("%s: back to (%.6f, %.6f)", cases[i].what, lon, lat);
    }
}

static void
test_round_trip(void **state)
{
    (void)state;
    for (double lon = 73.0; lon < 135.0; lon += 1.7) {
        for (double lat = 1.0; lat < 55.0; lat += 1.3) {
            double glon, glat, wlon, wlat;

            geo_wgs84_to_gcj02(lon, lat, &glon, &glat);
            geo_gcj02_to_wgs84(glon, glat, &wlon, &wlat);
            if (fabs(wlon - lon) > 1e-6 || fabs(wlat - lat) > 1e-6)
                fail_msg("(%f, %f) came back as (%.9f, %.9f)", lon, lat, wlon,
                         wlat);
            /* the offset is real: hundreds of metres, not zero */
            assert_true(fabs(glon - lon) + fabs(glat - lat) > 1e-4);
        }
    }
}

static void
test_outside_china_unchanged(void **state)
{
    static const double pts[][2] = {
        {2.3522, 48.8566},   /* Paris */
        {-74.006, 40.7128},  /* New York */
        {139.6917, 35.6895}, /* Tokyo, east of the box */
        {116.4, 60.0},       /* north of the box */
        {72.0, 30.0},        /* just west of the box */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
        double lon, lat;

        assert_false(geo_in_china(pts[i][0], pts[i][1]));
        geo_wgs84_to_gcj02(pts[i][0], pts[i][1], &lon, &lat);
        assert_true(lon == pts[i][0] && lat == pts[i][1]);
        geo_gcj02_to_wgs84(pts[i][0], pts[i][1], &lon, &lat);
        assert_true(lon == pts[i][0] && lat == pts[i][1]);
    }
    assert_true(geo_in_china(116.39, 39.9));
    assert_true(geo_in_china(111.67, 40.82));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crs_parse),
        cmocka_unit_test(test_forward_known_points),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_outside_china_unchanged),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

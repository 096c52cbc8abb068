/*
 * coord.c - coordinate systems: WGS-84 (GPS) and GCJ-02 (the offset system
 * of Chinese web maps).
 *
 * GCJ-02 is WGS-84 plus a smooth, deliberately irregular offset.  The
 * offset is a pair of polynomial-plus-sine functions of the position
 * relative to (105E, 35N), giving metres that are turned into degrees on
 * the Krasovsky 1940 ellipsoid.  The inverse has no closed form, so it is
 * found by fixed-point iteration on the forward formula, which converges
 * quickly because the offset changes slowly with position.
 */
#include <math.h>
#include <strings.h>

#include "base/err.h"
#include "geo/geo.h"

/* Krasovsky 1940: semi-major axis (m) and first eccentricity squared. */
#define KRASOVSKY_A  6378245.0
#define KRASOVSKY_EE 0.00669342162296594323

/* The rough box inside which the offset is applied. */
#define CHINA_LON_MIN 72.004
#define CHINA_LON_MAX 137.8347
#define CHINA_LAT_MIN 0.8293
#define CHINA_LAT_MAX 55.8271

#define INVERSE_EPS      1e-9
#define INVERSE_MAX_ITER 30

static double wave(double t, double a1, double p1, double a2, double p2);
static double offset_lat_m(double x, double y);
static double offset_lon_m(double x, double y);
static void gcj_offset(double lon, double lat, double *dlon, double *dlat);

int
geo_crs_parse(const char *s, enum geo_crs *out)
{
    static const struct {
        const char *name;
        enum geo_crs crs;
    } names[] = {
        {"wgs84", GEO_WGS84}, {"wgs-84", GEO_WGS84}, {"epsg:4326", GEO_WGS84},
        {"gcj02", GEO_GCJ02}, {"gcj-02", GEO_GCJ02},
    };

    if (s == NULL || out == NULL)
        return CG_EINVAL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].crs;
            return CG_OK;
        }
    }
    return CG_EINVAL;
}

bool
geo_in_china(double lon, double lat)
{
    return lon >= CHINA_LON_MIN && lon <= CHINA_LON_MAX &&
           lat >= CHINA_LAT_MIN && lat <= CHINA_LAT_MAX;
}

void
geo_wgs84_to_gcj02(double lon, double lat, double *olon, double *olat)
{
    double dlon, dlat;

    if (!geo_in_china(lon, lat)) {
        *olon = lon;
        *olat = lat;
        return;
    }
    gcj_offset(lon, lat, &dlon, &dlat);
    *olon = lon + dlon;
    *olat = lat + dlat;
}

/*
 * Solves forward(w) = g for w.  Starting from w = g, each step moves w by
 * the remaining error; the offset's slope is tiny (about 1e-5 per degree)
 * so every step gains several digits and three or four steps reach 1e-9
 * degree.
 */
void
geo_gcj02_to_wgs84(double lon, double lat, double *olon, double *olat)
{
    double wlon = lon, wlat = lat;

    if (!geo_in_china(lon, lat)) {
        *olon = lon;
        *olat = lat;
        return;
    }
    for (int i = 0; i < INVERSE_MAX_ITER; i++) {
        double glon, glat, elon, elat;

        geo_wgs84_to_gcj02(wlon, wlat, &glon, &glat);
        elon = glon - lon;
        elat = glat - lat;
        wlon -= elon;
        wlat -= elat;
        if (fabs(elon) < INVERSE_EPS && fabs(elat) < INVERSE_EPS)
            break;
    }
    *olon = wlon;
    *olat = wlat;
}

/* a1 * sin(p1 * pi * t) + a2 * sin(p2 * pi * t), the building block of
 * both offset functions. */
static double
wave(double t, double a1, double p1, double a2, double p2)
{
    return a1 * sin(p1 * M_PI * t) + a2 * sin(p2 * M_PI * t);
}

/* Northward offset in metres-like units for x = lon - 105, y = lat - 35. */
static double
offset_lat_m(double x, double y)
{
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y +
               0.2 * sqrt(fabs(x));

    r += wave(x, 20.0, 6.0, 20.0, 2.0) * 2.0 / 3.0;
    r += wave(y, 20.0, 1.0, 40.0, 1.0 / 3.0) * 2.0 / 3.0;
    r += wave(y, 160.0, 1.0 / 12.0, 320.0, 1.0 / 30.0) * 2.0 / 3.0;
    return r;
}

/* Eastward offset in metres-like units for x = lon - 105, y = lat - 35. */
static double
offset_lon_m(double x, double y)
{
    double r =
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));

    r += wave(x, 20.0, 6.0, 20.0, 2.0) * 2.0 / 3.0;
    r += wave(x, 20.0, 1.0, 40.0, 1.0 / 3.0) * 2.0 / 3.0;
    r += wave(x, 150.0, 1.0 / 12.0, 300.0, 1.0 / 30.0) * 2.0 / 3.0;
    return r;
}

/* The offset in degrees at a WGS-84 position: metres divided by the
 * meridian and parallel radii of curvature of the Krasovsky ellipsoid. */
static void
gcj_offset(double lon, double lat, double *dlon, double *dlat)
{
    double north = offset_lat_m(lon - 105.0, lat - 35.0);
    double east = offset_lon_m(lon - 105.0, lat - 35.0);
    double phi = lat * M_PI / 180.0;
    double s = sin(phi);
    double w2 = 1.0 - KRASOVSKY_EE * s * s;
    double w = sqrt(w2);
    double meridian = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w2 * w);
    double prime = KRASOVSKY_A / w;

    *dlat = north * 180.0 / (meridian * M_PI);
    *dlon = east * 180.0 / (prime * cos(phi) * M_PI);
}

/*
 * geo_locate.c - placing a point among 10,000 unit grids.
 *
 * A city of 10,000 grids (100 x 100, each an irregular octagon-like ring
 * of 12 vertices so that the exact test is not a box test), inside 100
 * communities, 10 streets and one district, as the area index holds them
 * in a real deployment.  Then 200,000 random points inside the city are
 * placed one by one; the time of each call is taken with the monotonic
 * clock and the median, 90th and 99th percentiles are printed in
 * microseconds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "geo/geo.h"

#define SIDE    100 /* grids per side */
#define NPOINTS 200000
#define LON0    111.55
#define LAT0    40.75
#define CELL    0.002 /* degrees, about 170 x 220 m */

static double now_us(void);
static int add_ring(struct geo_index *ix, const char *code, int depth,
                    double x0, double y0, double w, double h, int wobble);
static int cmp_double(const void *a, const void *b);

static double
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* A ring of 12 vertices around the box (x0, y0, w, h): the edges of
 * neighbouring grids bend the same way, so the grids tile the plane. */
static int
add_ring(struct geo_index *ix, const char *code, int depth, double x0,
         double y0, double w, double h, int wobble)
{
    struct buf b;
    double pts[13][2];
    int i, rc;

    for (i = 0; i < 3; i++) {
        double f = i / 3.0, bend = wobble ? 0.08 * sin(f * 3.1) : 0;
        pts[i][0] = x0 + f * w;
        pts[i][1] = y0 + bend * h;
        pts[3 + i][0] = x0 + w + bend * w;
        pts[3 + i][1] = y0 + f * h;
        pts[6 + i][0] = x0 + w - f * w;
        pts[6 + i][1] = y0 + h + (wobble ? 0.08 * sin((1 - f) * 3.1) : 0) * h;
        pts[9 + i][0] = x0 + (wobble ? 0.08 * sin((1 - f) * 3.1) : 0) * w;
        pts[9 + i][1] = y0 + h - f * h;
    }
    pts[12][0] = pts[0][0];
    pts[12][1] = pts[0][1];
    buf_init(&b, 4096);
    buf_puts(&b, "{\"type\":\"Polygon\",\"coordinates\":[[");
    for (i = 0; i < 13; i++) {
        char p[64];
        str_fmt(p, sizeof(p), "%s[%.7f,%.7f]", i ? "," : "", pts[i][0],
                pts[i][1]);
        buf_puts(&b, p);
    }
    buf_puts(&b, "]]}");
    rc = geo_index_add(ix, code, depth, b.data);
    buf_free(&b);
    return rc;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int
main(void)
{
    struct geo_index *ix = geo_index_new();
    double *t = malloc(NPOINTS * sizeof(*t)), t0, sum = 0;
    char code[32];
    size_t found = 0;
    int i, j;

    if (!ix || !t)
        return 1;
    t0 = now_us();
    add_ring(ix, "150103", 1, LON0, LAT0, SIDE * CELL, SIDE * CELL, 0);
    for (i = 0; i < 10; i++) {
        str_fmt(code, sizeof(code), "150103%03d", i + 1);
        add_ring(ix, code, 2, LON0 + i * 10 * CELL, LAT0, 10 * CELL,
                 SIDE * CELL, 0);
        for (j = 0; j < 10; j++) {
            str_fmt(code, sizeof(code), "150103%03d%03d", i + 1, j + 1);
            add_ring(ix, code, 3, LON0 + i * 10 * CELL, LAT0 + j * 10 * CELL,
                     10 * CELL, 10 * CELL, 0);
        }
    }
    for (i = 0; i < SIDE; i++)
        for (j = 0; j < SIDE; j++) {
            str_fmt(code, sizeof(code), "G%03d%03d", i, j);
            if (add_ring(ix, code, 4, LON0 + i * CELL, LAT0 + j * CELL, CELL,
                         CELL, 1) != CG_OK) {
                fprintf(stderr, "grid %s could not be added\n", code);
                return 1;
            }
        }
    if (geo_index_build(ix) != CG_OK)
        return 1;
    printf("areas: %zu (10,000 grids), built in %.0f ms\n", geo_index_count(ix),
           (now_us() - t0) / 1000);

    srand(42);
    for (i = 0; i < NPOINTS; i++) {
        double lon = LON0 + SIDE * CELL * (rand() / (RAND_MAX + 1.0));
        double lat = LAT0 + SIDE * CELL * (rand() / (RAND_MAX + 1.0));
        const char *c;

        t0 = now_us();
        c = geo_index_locate(ix, lon, lat);
        t[i] = now_us() - t0;
        sum += t[i];
        found += c && c[0] == 'G';
    }
    qsort(t, NPOINTS, sizeof(*t), cmp_double);
    printf("points: %d, placed in a grid: %zu\n", NPOINTS, found);
    printf("median_us=%.2f p90_us=%.2f p99_us=%.2f mean_us=%.2f\n",
           t[NPOINTS / 2], t[NPOINTS * 90 / 100], t[NPOINTS * 99 / 100],
           sum / NPOINTS);
    geo_index_free(ix);
    free(t);
    return 0;
}

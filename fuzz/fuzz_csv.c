/*
 * fuzz_csv.c - the CSV files the importers read: records split by the
 * reader the demo and `civicgrid import 311` share, and, for a 311 export
 * (the first record names the columns of the Boston, New York or San
 * Francisco export), each row's cells read as the import reads them: the
 * header mapped, blanks trimmed, the dates of the city's shapes parsed in
 * its time zone and the point checked.  Any other file is read as the
 * complaint messages are: records of up to 8 fields.  What a row then
 * writes to the database is left out.
 *
 * The row readers are static in src/cmd/import311.c, which is included
 * here so the fuzzer calls the very code the import runs.
 *
 * Input: the file.
 */
#include "../src/cmd/import311.c"

#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The messages files have five columns; a few more are allowed so that a
 * wrong count is the reader's answer, not the harness's. */
#define MESSAGE_FIELDS 8
/* cgtime_days_from_civil(2101, 1, 1) * 86400: no date the import takes is
 * later, nor earlier than 1970 in any US zone. */
#define TIME_MAX ((int64_t)4133980800)
#define TIME_MIN ((int64_t)-86400)

static const struct city *header_city(char **f, size_t n);
static void check_fields(const struct demo_csv *csv, char **f, size_t n,
                         size_t nmax);
static void read_row(const struct city *c, const int idx[C__COUNT], char **f,
                     size_t n);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_quiet();
    return 0;
}

/* The export whose id column the header names, if any; the import is told
 * the format, and would refuse a header without it. */
static const struct city *
header_city(char **f, size_t n)
{
    size_t i, k;

    for (k = 0; k < sizeof(cities) / sizeof(cities[0]); k++)
        for (i = 0; i < n; i++)
            if (strcmp(f[i], cities[k].cols[C_ID]) == 0)
                return &cities[k];
    return NULL;
}

/* Every field lies in the buffer and is terminated there. */
static void
check_fields(const struct demo_csv *csv, char **f, size_t n, size_t nmax)
{
    size_t i;

    if (n == 0 || n > nmax || csv->pos > csv->len)
        abort();
    for (i = 0; i < n; i++)
        if (f[i] < csv->buf || f[i] > csv->buf + csv->len ||
            strlen(f[i]) > (size_t)(csv->buf + csv->len - f[i]))
            abort();
}

static void
read_row(const struct city *c, const int idx[C__COUNT], char **f, size_t n)
{
    static const enum col dates[] = {C_OPENED, C_CLOSED, C_DUE};
    struct row r;
    int64_t t;
    double lat, lon;
    size_t i;
    int k;

    for (k = 0; k < C__COUNT; k++) {
        const char *v = r.v[k] = cell(f, n, idx[k]);
        size_t len = strlen(v);

        if (len > 0 && (v[0] == ' ' || v[0] == '\t' || v[len - 1] == ' ' ||
                        v[len - 1] == '\t'))
            abort();
    }
    for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
        if (parse_time(c, r.v[dates[i]], &t) == CG_OK &&
            (t < TIME_MIN || t > TIME_MAX))
            abort();
    if (row_point(&r, &lat, &lon) &&
        (lat < -90 || lat > 90 || lon < -180 || lon > 180))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct city *c = NULL;
    struct demo_csv csv;
    char *f[MAX_COLS];
    int idx[C__COUNT];
    size_t n, nmax = MAX_COLS;
    size_t bom = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    long line;
    int rc;

    /* As demo_csv_open leaves it, from memory instead of a file. */
    memset(&csv, 0, sizeof(csv));
    csv.buf = harness_strndup(data, size);
    csv.len = size;
    csv.pos = bom;
    csv.line = 1;

    rc = demo_csv_next(&csv, f, MAX_COLS, &n);
    if (rc == CG_OK) {
        check_fields(&csv, f, n, MAX_COLS);
        c = header_city(f, n);
        if (c != NULL && header_map(c, f, n, idx) != CG_OK)
            c = NULL;
        if (c == NULL) {
            /* Not a 311 export: read again as a messages file. */
            csv.pos = bom;
            csv.line = 1;
            memcpy(csv.buf, data, size);
            nmax = MESSAGE_FIELDS;
        }
    }
    while (rc == CG_OK) {
        line = record_line(&csv);
        rc = demo_csv_next(&csv, f, nmax, &n);
        if (rc != CG_OK)
            break;
        check_fields(&csv, f, n, nmax);
        if (csv.line < line)
            abort();
        if (c != NULL)
            read_row(c, idx, f, n);
    }
    if (rc != CG_ENOTFOUND && rc != CG_EINVAL)
        abort();
    free(csv.buf);
    return 0;
}

/*
 * test_core_calendar.c - working days, working hours and deadlines, with
 * the published Chinese calendar from data/calendar/cn.txt.
 *
 * All times in the tables are local (+08:00) and written as text, so a
 * row reads like the case it stands for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "core/calendar.h"

static struct calendar *load_cn(void);
static int64_t at(const char *local);

/* The checked-in calendar; tests run from the repository root, or find it
 * next to the test data directory that `make unit` names. */
static struct calendar *
load_cn(void)
{
    struct calendar *c = calendar_new();
    const char *data = getenv("CIVICGRID_TEST_DATA");
    char path[1024], err[256];

    if (data != NULL)
        str_fmt(path, sizeof(path), "%s/../../data/calendar/cn.txt", data);
    else
        str_copy(path, sizeof(path), "data/calendar/cn.txt");
    if (calendar_load_file(c, path, err, sizeof(err)) != CG_OK &&
        calendar_load_file(c, "data/calendar/cn.txt", err, sizeof(err)) !=
            CG_OK)
        fail_msg("cannot load the calendar: %s", err);
    return c;
}

static int64_t
at(const char *local)
{
    int64_t t = 0;

    if (cgtime_parse(local, 8 * 60, &t) != CG_OK)
        fail_msg("bad time in test table: %s", local);
    return t;
}

struct deadline_case {
    const char *name;
    bool cn; /* with the holiday file, or the bare default calendar */
    const char *start;
    int amount;
    enum limit_unit unit;
    const char *want;
};

/* 2026-03-06 is a Friday with no holiday near it. */
static const struct deadline_case deadlines[] = {
    {"friday afternoon stays on friday", true, "2026-03-06 13:46:00", 4,
     LIMIT_HOURS, "2026-03-06T17:46:00+08:00"},
    {"across the weekend", true, "2026-03-06 15:46:00", 4, LIMIT_HOURS,
     "2026-03-09T10:46:00+08:00"},
    {"a full day across the weekend", true, "2026-03-06 13:46:00", 8,
     LIMIT_HOURS, "2026-03-09T13:46:00+08:00"},
    {"across the lunch break", true, "2026-03-10 11:00:00", 2, LIMIT_HOURS,
     "2026-03-10T14:00:00+08:00"},
    {"ends when the morning ends", true, "2026-03-10 10:00:00", 2, LIMIT_HOURS,
     "2026-03-10T12:00:00+08:00"},
    {"starts during lunch", true, "2026-03-10 12:30:00", 1, LIMIT_HOURS,
     "2026-03-10T14:00:00+08:00"},
    {"starts at night", true, "2026-03-10 22:00:00", 1, LIMIT_HOURS,
     "2026-03-11T10:00:00+08:00"},
    {"starts before work", true, "2026-03-10 06:00:00", 1, LIMIT_HOURS,
     "2026-03-10T10:00:00+08:00"},
    {"starts at closing time", true, "2026-03-10 18:00:00", 1, LIMIT_HOURS,
     "2026-03-11T10:00:00+08:00"},
    {"starts on sunday", true, "2026-03-08 10:00:00", 1, LIMIT_HOURS,
     "2026-03-09T10:00:00+08:00"},
    {"24 working hours", true, "2026-03-09 09:00:00", 24, LIMIT_HOURS,
     "2026-03-11T18:00:00+08:00"},
    {"zero hours", true, "2026-03-08 10:00:00", 0, LIMIT_HOURS,
     "2026-03-08T10:00:00+08:00"},
    {"hours across national day", true, "2026-09-30 16:00:00", 4, LIMIT_HOURS,
     "2026-10-08T11:00:00+08:00"},
    {"one day from friday", true, "2026-03-06 13:46:00", 1, LIMIT_DAYS,
     "2026-03-09T18:00:00+08:00"},
    {"one day from sunday", true, "2026-03-08 10:00:00", 1, LIMIT_DAYS,
     "2026-03-09T18:00:00+08:00"},
    {"one day from early tuesday", true, "2026-03-10 07:00:00", 1, LIMIT_DAYS,
     "2026-03-11T18:00:00+08:00"},
    {"three days in a week", true, "2026-03-10 10:00:00", 3, LIMIT_DAYS,
     "2026-03-13T18:00:00+08:00"},
    {"five days over a weekend", true, "2026-03-10 10:00:00", 5, LIMIT_DAYS,
     "2026-03-17T18:00:00+08:00"},
    {"sunday before national day is worked", true, "2026-09-18 10:00:00", 1,
     LIMIT_DAYS, "2026-09-20T18:00:00+08:00"},
    {"national day week", true, "2026-09-30 10:00:00", 1, LIMIT_DAYS,
     "2026-10-08T18:00:00+08:00"},
    {"national day, second day", true, "2026-09-30 10:00:00", 2, LIMIT_DAYS,
     "2026-10-09T18:00:00+08:00"},
    {"national day, swapped saturday", true, "2026-09-30 10:00:00", 3,
     LIMIT_DAYS, "2026-10-10T18:00:00+08:00"},
    {"national day, then sunday off", true, "2026-09-30 10:00:00", 4,
     LIMIT_DAYS, "2026-10-12T18:00:00+08:00"},
    {"reported during national day", true, "2026-10-03 10:00:00", 1, LIMIT_DAYS,
     "2026-10-08T18:00:00+08:00"},
    {"spring festival, swapped saturday", true, "2026-02-13 10:00:00", 1,
     LIMIT_DAYS, "2026-02-14T18:00:00+08:00"},
    {"spring festival, after the break", true, "2026-02-13 10:00:00", 2,
     LIMIT_DAYS, "2026-02-24T18:00:00+08:00"},
    {"spring festival, second swapped saturday", true, "2026-02-13 10:00:00", 6,
     LIMIT_DAYS, "2026-02-28T18:00:00+08:00"},
    {"spring festival, into march", true, "2026-02-13 10:00:00", 7, LIMIT_DAYS,
     "2026-03-02T18:00:00+08:00"},
    {"new year 2026, swapped sunday", true, "2025-12-31 10:00:00", 1,
     LIMIT_DAYS, "2026-01-04T18:00:00+08:00"},
    {"national day 2025, eight days", true, "2025-09-30 10:00:00", 1,
     LIMIT_DAYS, "2025-10-09T18:00:00+08:00"},
    {"without holidays october 1 is worked", false, "2026-09-30 10:00:00", 1,
     LIMIT_DAYS, "2026-10-01T18:00:00+08:00"},
    {"without holidays october 10 is off", false, "2026-10-09 10:00:00", 1,
     LIMIT_DAYS, "2026-10-12T18:00:00+08:00"},
};

static void
test_deadlines(void **state)
{
    struct calendar *cn = load_cn(), *plain = calendar_new();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(deadlines) / sizeof(deadlines[0]); i++) {
        const struct deadline_case *d = &deadlines[i];
        char got[CGTIME_LEN];
        int64_t t =
            calendar_add(d->cn ? cn : plain, at(d->start), d->amount, d->unit);

        cgtime_format(t, 8 * 60, got);
        if (strcmp(got, d->want) != 0)
            fail_msg("%s: got %s, want %s", d->name, got, d->want);
    }
    calendar_free(cn);
    calendar_free(plain);
}

struct span_case {
    const char *a, *b;
    int64_t want;
};

static const struct span_case spans[] = {
    {"2026-03-10 09:00:00", "2026-03-10 18:00:00", 8 * 3600},
    {"2026-03-10 11:00:00", "2026-03-10 14:00:00", 2 * 3600},
    {"2026-03-10 12:10:00", "2026-03-10 12:50:00", 0},
    {"2026-03-10 19:00:00", "2026-03-10 23:00:00", 0},
    {"2026-03-06 17:00:00", "2026-03-09 10:00:00", 2 * 3600},
    {"2026-03-06 13:46:00", "2026-03-06 17:46:00", 4 * 3600},
    {"2026-03-09 00:00:00", "2026-03-16 00:00:00", 40 * 3600},
    {"2026-09-30 09:00:00", "2026-10-09 09:00:00", 16 * 3600},
    {"2026-10-10 09:30:00", "2026-10-10 10:00:00", 1800},
    {"2026-03-10 18:00:00", "2026-03-10 09:00:00", 0},
    {"2026-03-10 10:00:00", "2026-03-10 10:00:00", 0},
};

static void
test_working_seconds(void **state)
{
    struct calendar *cn = load_cn();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
        int64_t got =
            calendar_working_seconds(cn, at(spans[i].a), at(spans[i].b));
        if (got != spans[i].want)
            fail_msg("%s .. %s: got %lld, want %lld", spans[i].a, spans[i].b,
                     (long long)got, (long long)spans[i].want);
    }
    calendar_free(cn);
}

static void
test_is_workday(void **state)
{
    static const struct {
        int y;
        unsigned m, d;
        bool work;
    } t[] = {
        {2026, 10, 1, false}, {2026, 10, 7, false},  {2026, 10, 8, true},
        {2026, 10, 10, true}, {2026, 10, 11, false}, {2026, 9, 20, true},
        {2026, 2, 14, true},  {2026, 2, 23, false},  {2026, 2, 28, true},
        {2026, 3, 9, true},   {2026, 3, 7, false},   {2025, 1, 26, true},
        {2025, 10, 8, false}, {2025, 10, 11, true},  {2026, 2, 30, false},
        {2026, 13, 1, false},
    };
    struct calendar *cn = load_cn();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (calendar_is_workday(cn, t[i].y, t[i].m, t[i].d) != t[i].work)
            fail_msg("%04d-%02u-%02u", t[i].y, t[i].m, t[i].d);
    assert_int_equal(calendar_offset_min(cn), 480);
    calendar_free(cn);
}

struct parse_case {
    const char *text;
    const char *want; /* NULL when the text is good */
};

static const struct parse_case parses[] = {
    {"", NULL},
    {"# only a comment\n\n   \n", NULL},
    {"zone +08:00\r\nhours 09:00-12:00 13:30-17:30  # summer\r\n", NULL},
    {"holiday 2026-10-01 2026-10-07\nworkday 2026-10-10\n", NULL},
    {"zone +08:00\nholidy 2026-01-01\n", "line 2: unknown directive"},
    {"holiday 2026-02-30", "line 1: bad date '2026-02-30'"},
    {"# c\n\nholiday 2026-10-07 2026-10-01", "line 3: holiday range ends"},
    {"hours 09:00-12:00 11:00-18:00", "line 1: period '11:00-18:00' overlaps"},
    {"hours 18:00-09:00", "line 1: period '18:00-09:00' ends before"},
    {"hours 09:00-25:00", "line 1: bad period"},
    {"hours 9:00-12:00", "line 1: bad period"},
    {"hours", "line 1: hours takes"},
    {"zone +8", "line 1: bad zone '+8'"},
    {"zone +15:00", "line 1: bad zone"},
    {"zone", "line 1: zone takes"},
    {"\nholiday 2026-10-10\nworkday 2026-10-09 2026-10-11",
     "line 3: 2026-10-10 is both a holiday and a workday"},
    {"holiday 2026-01-01 2027-06-01", "line 1: holiday range is longer"},
    {"workday", "line 1: workday takes"},
    {"workday 2026-10-10 2026-10-11 2026-10-12", "line 1: workday takes"},
    {"holiday 2026/10/01", "line 1: bad date"},
};

static void
test_parse(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
        struct calendar *c = calendar_new();
        char err[256] = "";
        int rc = calendar_parse(c, parses[i].text, err, sizeof(err));

        if (parses[i].want == NULL && rc != CG_OK)
            fail_msg("row %zu: unexpected error '%s'", i, err);
        if (parses[i].want != NULL &&
            (rc != CG_EINVAL ||
             strncmp(err, parses[i].want, strlen(parses[i].want)) != 0))
            fail_msg("row %zu: got %d '%s', want '%s'", i, rc, err,
                     parses[i].want);
        calendar_free(c);
    }
}

/* A bad line leaves everything as it was, also what came before it. */
static void
test_parse_is_atomic(void **state)
{
    struct calendar *c = calendar_new();
    char err[128];

    (void)state;
    assert_int_equal(calendar_parse(c,
                                    "zone +09:00\nhours 08:00-10:00\n"
                                    "holiday 2026-03-09\nbogus\n",
                                    err, sizeof(err)),
                     CG_EINVAL);
    assert_string_equal(err, "line 4: unknown directive 'bogus' (expected "
                             "zone, hours, holiday or workday)");
    assert_int_equal(calendar_offset_min(c), 480);
    assert_true(calendar_is_workday(c, 2026, 3, 9));
    assert_int_equal(calendar_add(c, at("2026-03-10 09:00:00"), 8, LIMIT_HOURS),
                     at("2026-03-10 18:00:00"));

    /* A good text afterwards still applies, on top of earlier ones. */
    assert_int_equal(calendar_parse(c, "holiday 2026-03-09", err, sizeof(err)),
                     CG_OK);
    assert_int_equal(calendar_parse(c, "holiday 2026-03-10", err, sizeof(err)),
                     CG_OK);
    assert_false(calendar_is_workday(c, 2026, 3, 9));
    assert_false(calendar_is_workday(c, 2026, 3, 10));
    calendar_free(c);
}

/* Other zones and hours move the deadlines with them. */
static void
test_zone_and_hours(void **state)
{
    struct calendar *c = calendar_new();
    char err[128];
    int64_t start, t;

    (void)state;
    assert_int_equal(
        calendar_parse(c, "zone +00:00\nhours 08:00-16:00\n", err, sizeof(err)),
        CG_OK);
    assert_int_equal(calendar_offset_min(c), 0);
    assert_int_equal(cgtime_parse("2026-03-10T15:00:00Z", 0, &start), CG_OK);
    t = calendar_add(c, start, 2, LIMIT_HOURS);
    assert_int_equal(cgtime_parse("2026-03-11T09:00:00Z", 0, &start), CG_OK);
    assert_int_equal(t, start);
    calendar_free(c);
}

/* A calendar with no working day at all gives up after a bounded walk and
 * falls back to calendar time. */
static void
test_no_working_day(void **state)
{
    struct calendar *c = calendar_new();
    char text[2048], err[128];
    size_t len = 0;
    int y;
    int64_t start = at("2026-03-10 10:00:00");

    (void)state;
    for (y = 2026; y <= 2036; y++) {
        str_fmt(text + len, sizeof(text) - len, "holiday %d-01-01 %d-12-31\n",
                y, y);
        len += strlen(text + len);
    }
    assert_int_equal(calendar_parse(c, text, err, sizeof(err)), CG_OK);
    assert_int_equal(calendar_add(c, start, 4, LIMIT_HOURS), start + 4 * 3600);
    assert_int_equal(calendar_add(c, start, 2, LIMIT_DAYS), start + 2 * 86400);
    assert_int_equal(calendar_working_seconds(c, start, start + 86400 * 30), 0);
    calendar_free(c);
}

static void
test_load_missing_file(void **state)
{
    struct calendar *c = calendar_new();
    char err[256];

    (void)state;
    assert_int_equal(
        calendar_load_file(c, "/nonexistent/cn.txt", err, sizeof(err)), CG_ERR);
    assert_non_null(strstr(err, "/nonexistent/cn.txt"));
    calendar_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_working_seconds),
        cmocka_unit_test(test_is_workday),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_is_atomic),
        cmocka_unit_test(test_zone_and_hours),
        cmocka_unit_test(test_no_working_day),
        cmocka_unit_test(test_load_missing_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

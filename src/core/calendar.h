/*
 * calendar.h - working time: which days are worked, which hours of a
 * working day count, and deadlines counted in them.
 *
 * A calendar starts as Monday to Friday with the default working hours;
 * a calendar file adds public holidays and swapped working days (调休):
 *
 *   # comment
 *   zone +08:00                       offset of local time from UTC
 *   hours 09:00-12:00 13:30-17:30     working periods of a working day
 *   holiday 2026-10-01 2026-10-07     a day or an inclusive range off
 *   workday 2026-10-10                a weekend day that is worked
 *
 * Deadlines in working hours advance only through working periods of
 * working days; in working days they end at the close of the Nth working
 * day after the start day (a report at 13:46 on Friday with one working day
 * is due at the end of Monday).  All instants are UTC seconds.
 */
#ifndef CG_CALENDAR_H
#define CG_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum limit_unit { LIMIT_HOURS, LIMIT_DAYS };

struct calendar;

/* A new calendar with the defaults (UTC+8, 09:00-12:00 and 13:00-18:00,
 * weekends off).  Aborts on out-of-memory. */
struct calendar *calendar_new(void);
void calendar_free(struct calendar *c);

/* Reads calendar text; on CG_EINVAL writes "line N: reason" into err.
 * Nothing is changed when the text has an error. */
int calendar_parse(struct calendar *c, const char *text, char *err,
                   size_t errlen);
int calendar_load_file(struct calendar *c, const char *path, char *err,
                       size_t errlen);

int calendar_offset_min(const struct calendar *c);
/* The last day (days since 1970-01-01, local) that the calendar names as
 * a holiday or a worked weekend day; -1 when it names none.  After it
 * every weekday counts as a working day: the State Council publishes
 * each year's holidays late in the year before, and someone has to add
 * them. */
int64_t calendar_last_day(const struct calendar *c);
bool calendar_is_workday(const struct calendar *c, int y, unsigned m,
                         unsigned d);

/* The instant `amount` working hours or days after `start`. */
int64_t calendar_add(const struct calendar *c, int64_t start, int amount,
                     enum limit_unit unit);

/* Working seconds between a and b (0 if b <= a). */
int64_t calendar_working_seconds(const struct calendar *c, int64_t a,
                                 int64_t b);

#endif

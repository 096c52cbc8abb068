/*
 * cgtime.h - instants and their text form.
 *
 * An instant is int64 seconds since the Unix epoch, UTC, which is also how
 * the database stores it.  Text is ISO 8601; output carries the display
 * zone's offset (China has no daylight saving, so a fixed offset in minutes
 * is exact for Asia/Shanghai).
 */
#ifndef CG_CGTIME_H
#define CG_CGTIME_H

#include <stdint.h>

#define CGTIME_LEN 32

int64_t cgtime_now(void);

/* Parses "2026-03-01T13:46:00+08:00", "...Z", "2026-03-01 13:46:00" (taken
 * in default_offset_min) or a bare date "2026-03-01".  CG_EINVAL on
 * anything else, including impossible dates. */
int cgtime_parse(const char *s, int default_offset_min, int64_t *out);

/* Formats as "2026-03-01T13:46:00+08:00" in the given offset. */
void cgtime_format(int64_t t, int offset_min, char out[CGTIME_LEN]);

/* The deployment's display zone, minutes east of UTC (default +480,
 * Asia/Shanghai); set once at start from the configuration. */
extern int cgtime_display_offset;

/* t in the display zone; "" when t is 0 (no such instant). */
void cgtime_display(int64_t t, char out[CGTIME_LEN]);

/* Civil date/time helpers (proleptic Gregorian, no time zone). */
int64_t cgtime_days_from_civil(int y, unsigned m, unsigned d);
void cgtime_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

#endif

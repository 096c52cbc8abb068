/*
 * level.h - how urgent a case is, from its category and from what the
 * resident wrote, and how long each level may take.
 *
 * Four levels, most urgent first:
 *
 *   emergency  risk to life or property (gas, fire, live wires, collapse,
 *              an open manhole on a road): hours, day and night;
 *   utility    water, power, gas or heating cut off: a day, day and night;
 *   general    the usual request: working days;
 *   complex    needs several departments or a long procedure: more
 *              working days.
 *
 * The text can only make a case more urgent than its category, never less:
 * a deadline is a promise to the resident, and a keyword that sounds
 * complicated is no reason to break it.  So the text is read for emergency
 * and utility words only; complex comes from the category.
 */
#ifndef CG_LEVEL_H
#define CG_LEVEL_H

#include <stdbool.h>
#include <stddef.h>

/* In order of urgency: a smaller value is more urgent. */
enum case_level {
    LEVEL_EMERGENCY,
    LEVEL_UTILITY,
    LEVEL_GENERAL,
    LEVEL_COMPLEX,
    LEVEL_COUNT
};

#define LEVEL_REASON_LEN  384
#define LEVEL_KEYWORD_LEN 32

const char *level_name(enum case_level l);  /* "emergency" */
const char *level_label(enum case_level l); /* "紧急" */
/* CG_OK, or CG_EINVAL for a name that is not one of the four. */
int level_parse(const char *name, enum case_level *out);

struct level_decision {
    enum case_level level;
    bool from_text;                  /* the text made it more urgent */
    char keyword[LEVEL_KEYWORD_LEN]; /* the word that decided, or "" */
    char reason[LEVEL_REASON_LEN];   /* a sentence for staff, in Chinese */
};

/*
 * The level of a case whose category has level `category_level` and the
 * name `category_name`, given its title and description (either may be
 * NULL): the more urgent of the category's level and the text's.  A
 * keyword with a negation a few characters before it in the same clause
 * ("没有燃气泄漏", "未发现漏电") does not count; the reason says so.
 */
void level_decide(enum case_level category_level, const char *category_name,
                  const char *title, const char *description,
                  struct level_decision *out);

/* Whether word is in the title or the description only under a
 * negation a few characters before it ("没有燃气泄漏"): named to be
 * denied.  False when it is not there at all. */
bool level_word_denied(const char *title, const char *description,
                       const char *word);

/* How long a level may take. */
enum level_unit {
    LEVEL_CLOCK_HOURS, /* day and night, weekends and holidays included */
    LEVEL_WORK_HOURS,  /* on the working calendar */
    LEVEL_WORK_DAYS
};

struct level_limit {
    int amount;
    enum level_unit unit;
};

/* 2 clock hours, 24 clock hours, 7 and 15 working days. */
void level_default_limit(enum case_level l, struct level_limit *out);
/* Whether a category of this level counts its hours day and night: risks
 * to life and outages do not wait for working time. */
bool level_counts_clock(enum case_level l);

/*
 * A limit as written in the settings: a number from 1 to 9999 and a unit,
 * "h" clock hours, "wh" working hours, "d" working days ("2h", "8wh",
 * "7d").  CG_OK, or CG_EINVAL with *out unchanged.
 */
int level_limit_parse(const char *s, struct level_limit *out);

/* The limit for people: "2 小时（自然时）", "7 个工作日". */
void level_limit_format(const struct level_limit *l, char *out, size_t outlen);

#endif

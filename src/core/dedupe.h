/*
 * dedupe.h - is a new report the same problem as a case already open?
 *
 * Before a resident sends a report, the platform shows the open cases of
 * the same category nearby whose description reads alike, so that the
 * resident can add their voice to one ("me too") instead of filing a
 * second case.  This module only judges: the distance between two points,
 * how alike two descriptions read, and a verdict with a score and a reason
 * a resident can understand.  Finding the candidates is the store's job.
 *
 * Text similarity is the Dice coefficient of the sets of character
 * bigrams: Chinese has no spaces between words, and two characters side by
 * side already carry most of the meaning (垃圾, 路灯, 井盖).  Letters are
 * compared case-insensitively; spaces and punctuation are ignored.
 */
#ifndef CG_DEDUPE_H
#define CG_DEDUPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default radius around a new report, in metres. */
#define DEDUPE_RADIUS_M 250.0
/* Below this similarity two descriptions are taken to differ ... */
#define DEDUPE_TEXT_MIN 0.2
/* ... unless the cases are this close (a share of the radius): two reports
 * of one category a few doors apart are usually one problem, however
 * differently people put it. */
#define DEDUPE_NEAR_SHARE 0.2
/* Characters of a description that are compared; the start of a report
 * says what the problem is. */
#define DEDUPE_TEXT_MAX   400
#define DEDUPE_REASON_LEN 192

/* Great-circle distance in metres between two WGS-84 points. */
double dedupe_distance_m(double lon1, double lat1, double lon2, double lat2);

/* How alike two descriptions read, from 0 (no bigram in common) to 1 (the
 * same bigrams).  NULL or empty text is 0.  Invalid UTF-8 bytes are
 * skipped. */
double dedupe_text_similarity(const char *a, const char *b);

/* What is known about an open case compared with a new report. */
struct dedupe_input {
    bool same_category;
    double distance_m;
    double radius_m;       /* <= 0: DEDUPE_RADIUS_M */
    bool has_text;         /* the new report has a description yet */
    double similarity;     /* dedupe_text_similarity() of the two */
    double min_similarity; /* <= 0: DEDUPE_TEXT_MIN */
    int64_t age_s;         /* how much earlier the open case came */
    int64_t max_age_s;     /* 0: any age */
};

struct dedupe_verdict {
    bool suggest; /* show it to the resident as possibly the same */
    double score; /* 0..1, higher first; 0 when not suggested */
    char reason[DEDUPE_REASON_LEN]; /* in Chinese, for the resident */
};

/*
 * Judges one open case against a new report.  A case is suggested when it
 * is of the same category, within the radius, not older than max_age_s,
 * and its description reads alike (or the report has no text yet, or the
 * two are very close).  The score weighs text more than distance when
 * there is text: people describing one problem use the same words, and
 * a pin is dropped only roughly.
 */
void dedupe_judge(const struct dedupe_input *in, struct dedupe_verdict *out);

#endif

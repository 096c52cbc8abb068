/*
 * stats_sql.h - the statistics' SQL that both dialects read alike: what a
 * case adds to each count, from its stat_* columns; how those columns
 * follow the case's events; how a rollup row takes or gives a case's
 * share.  The schema's view and triggers (db_sqlite.c, db_pg.c) and the
 * counting of part-days (stats.c) all say it with these words.  The
 * demo's bulk load says the same in C (cmd/demo_rollup.c), which a
 * change here must follow; its tests compare the two.
 */
#ifndef CG_STATS_SQL_H
#define CG_STATS_SQL_H

/* A case's share of the counts up to the open ones, then of the rest;
 * the count of the overdue, which changes with the clock, goes between
 * them where it is wanted. */
#define STATS_CASE_COUNTS                                                      \
    " CASE WHEN stat_state NOT IN ('withdrawn', 'merged') THEN 1 ELSE 0 END"   \
    " AS reported,"                                                            \
    " CASE WHEN stat_state = 'withdrawn' THEN 1 ELSE 0 END AS withdrawn,"      \
    " CASE WHEN stat_state = 'merged' THEN 1 ELSE 0 END AS merged,"            \
    " CASE WHEN stat_state = 'rejected' THEN 1 ELSE 0 END AS rejected,"        \
    " CASE WHEN stat_state = 'closed' THEN 1 ELSE 0 END AS closed,"            \
    " CASE WHEN stat_state = 'closed' AND stat_due_at IS NOT NULL"             \
    " AND stat_closed_at <= stat_due_at THEN 1 ELSE 0 END AS closed_on_time,"  \
    " CASE WHEN stat_state NOT IN ('closed', 'rejected', 'withdrawn',"         \
    " 'merged') THEN 1 ELSE 0 END AS open"
#define STATS_CASE_DONE                                                        \
    " stat_handled AS handled, stat_reworked AS reworked,"                     \
    " CASE WHEN stat_state = 'closed' AND stat_rating IS NOT NULL"             \
    " THEN 1 ELSE 0 END AS rated,"                                             \
    " CASE WHEN stat_state = 'closed' AND stat_rating = 'satisfied'"           \
    " THEN 1 ELSE 0 END AS satisfied,"                                         \
    " CASE WHEN stat_state = 'closed' AND stat_rating = 'basically_satisfied'" \
    " THEN 1 ELSE 0 END AS basically_satisfied,"                               \
    " CASE WHEN stat_state = 'closed' AND stat_rating = 'unsatisfied'"         \
    " THEN 1 ELSE 0 END AS unsatisfied,"                                       \
    " CASE WHEN stat_state = 'closed'"                                         \
    " THEN COALESCE(stat_closed_at - reported_at, 0) ELSE 0 END"               \
    " AS close_seconds"
#define STATS_CONTRIB STATS_CASE_COUNTS "," STATS_CASE_DONE
#define STATS_SUMS                                                             \
    " SUM(reported), SUM(withdrawn), SUM(merged), SUM(rejected), SUM(closed)," \
    " SUM(closed_on_time), SUM(open), SUM(handled), SUM(reworked),"            \
    " SUM(rated), SUM(satisfied), SUM(basically_satisfied),"                   \
    " SUM(unsatisfied), SUM(close_seconds)"
/* The open cases with a deadline, as the partial index cases_stat_overdue
 * names them (the planner uses the index only for these very words). */
#define STATS_OPEN                                                             \
    "stat_state NOT IN ('closed', 'rejected', 'withdrawn', 'merged')"          \
    " AND stat_due_at IS NOT NULL"
/* Sets the stat_* columns of the cases `id` selects from their events. */
#define STATS_FOLLOW(id)                                                       \
    "UPDATE cases SET stat_state = (SELECT to_state FROM events e"             \
    " WHERE e.case_id = cases.id ORDER BY e.seq DESC LIMIT 1),"                \
    " stat_due_at = (SELECT due_at FROM events e WHERE e.case_id = cases.id"   \
    " AND e.due_at IS NOT NULL ORDER BY e.seq DESC LIMIT 1),"                  \
    " stat_closed_at = (SELECT at FROM events e WHERE e.case_id = cases.id"    \
    " AND e.to_state = 'closed' AND COALESCE(e.from_state, '') <> 'closed'"    \
    " ORDER BY e.seq DESC LIMIT 1),"                                           \
    " stat_rating = (SELECT rating FROM events e WHERE e.case_id = cases.id"   \
    " AND e.action IN ('rate', 'reopen') ORDER BY e.seq DESC LIMIT 1),"        \
    " stat_handled = CASE WHEN EXISTS (SELECT 1 FROM events e"                 \
    " WHERE e.case_id = cases.id AND e.action IN ('handle', 'self_handle'))"   \
    " THEN 1 ELSE 0 END,"                                                      \
    " stat_reworked = CASE WHEN EXISTS (SELECT 1 FROM events e"                \
    " WHERE e.case_id = cases.id AND e.action = 'rework') THEN 1 ELSE 0 END"   \
    " WHERE " id
/* Adds (sign "") or takes away (sign "-") the share of case `id` in the
 * rollup `table` keyed by `key`. */
#define STATS_ADD(table, key, sign, id)                                        \
    "INSERT INTO " table " SELECT " key "," sign "reported," sign              \
    "withdrawn," sign "merged," sign "rejected," sign "closed," sign           \
    "closed_on_time," sign "open," sign "handled," sign "reworked," sign       \
    "rated," sign "satisfied," sign "basically_satisfied," sign                \
    "unsatisfied," sign "close_seconds FROM stats_cases WHERE id = " id        \
    " ON CONFLICT (" key ") DO UPDATE SET"                                     \
    " reported = " table ".reported + excluded.reported,"                      \
    " withdrawn = " table ".withdrawn + excluded.withdrawn,"                   \
    " merged = " table ".merged + excluded.merged,"                            \
    " rejected = " table ".rejected + excluded.rejected,"                      \
    " closed = " table ".closed + excluded.closed,"                            \
    " closed_on_time = " table ".closed_on_time + excluded.closed_on_time,"    \
    " open = " table ".open + excluded.open,"                                  \
    " handled = " table ".handled + excluded.handled,"                         \
    " reworked = " table ".reworked + excluded.reworked,"                      \
    " rated = " table ".rated + excluded.rated,"                               \
    " satisfied = " table ".satisfied + excluded.satisfied,"                   \
    " basically_satisfied = " table ".basically_satisfied"                     \
    " + excluded.basically_satisfied,"                                         \
    " unsatisfied = " table ".unsatisfied + excluded.unsatisfied,"             \
    " close_seconds = " table ".close_seconds + excluded.close_seconds;"

#endif

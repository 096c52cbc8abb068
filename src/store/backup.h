/*
 * backup.h - copying a SQLite deployment while it runs, and restoring one
 * (backup.c).  PostgreSQL deployments use pg_dump and pg_restore.
 */
#ifndef CG_STORE_BACKUP_H
#define CG_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

/* What a checked copy holds. */
struct backup_info {
    int64_t schema_version;
    int64_t cases, events, users;
    char replaced[1100]; /* restore: where the replaced database was kept */
};

/*
 * Copies the database at src to dst (a new file) as it is at one moment,
 * while servers may be writing, then checks the copy.  CG_OK, or an error
 * with the reason in err.
 */
int store_backup_sqlite(const char *src, const char *dst,
                        struct backup_info *info, char *err, size_t errlen);
/*
 * Replaces the database at target with the checked copy: CG_ECONFLICT when
 * a server still has target open.
 */
int store_restore_sqlite(const char *copy, const char *target,
                         struct backup_info *info, char *err, size_t errlen);

#endif

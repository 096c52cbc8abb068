/*
 * backup.c - `civicgrid backup` and `civicgrid restore`: a deployment's
 * database and photos, copied while it runs and put back with the servers
 * stopped.
 *
 * A backup is a folder: civicgrid.db (the database at one moment, checked)
 * and blobs/ (the photos).  Photos are stored under their SHA-256, never
 * change, and are only added: a later backup into the same folder copies
 * only the new ones, and a photo already there is the same photo.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "store/backup.h"

static int copy_file(const char *from, const char *to);
static bool is_postgres(const char *url);
static int usage(const char *name, bool restore);

static bool
is_postgres(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 ||
           strncmp(url, "postgresql://", 13) == 0;
}

/* Copies one file through a temporary name, flushed before the rename, so
 * that a photo in the target is never half written. */
static int
copy_file(const char *from, const char *to)
{
    char tmp[1200], data[64 * 1024];
    int in, out, rc = CG_OK;
    ssize_t n;

    if (str_fmt(tmp, sizeof(tmp), "%s.part", to) != CG_OK)
        return CG_ETOOBIG;
    if ((in = open(from, O_RDONLY)) < 0)
        return CG_ERR;
    if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
        close(in);
        return CG_ERR;
    }
    while ((n = read(in, data, sizeof(data))) > 0)
        if (write(out, data, (size_t)n) != n) {
            rc = CG_ERR;
            break;
        }
    if (n < 0 || fsync(out) != 0)
        rc = CG_ERR;
    close(in);
    if (close(out) != 0)
        rc = CG_ERR;
    if (rc == CG_OK && rename(tmp, to) != 0)
        rc = CG_ERR;
    if (rc != CG_OK)
        unlink(tmp);
    return rc;
}

/* The photo folder has one level of two-character folders; each file is
 * copied when the target lacks it. */
int
cmd_copy_blobs(const char *from, const char *to, size_t *copied, size_t *kept)
{
    char sub[1100], tsub[1100], src[1200], dst[1200];
    struct dirent *d, *f;
    DIR *top, *dir;
    struct stat sb;
    int rc = CG_OK;

    *copied = *kept = 0;
    if (!(top = opendir(from)))
        return errno == ENOENT ? CG_OK : CG_ERR;
    if (mkdir(to, 0755) != 0 && errno != EEXIST) {
        closedir(top);
        return CG_ERR;
    }
    while (rc == CG_OK && (d = readdir(top))) {
        if (d->d_name[0] == '.' || strlen(d->d_name) != 2)
            continue;
        str_fmt(sub, sizeof(sub), "%s/%s", from, d->d_name);
        str_fmt(tsub, sizeof(tsub), "%s/%s", to, d->d_name);
        if (!(dir = opendir(sub)))
            continue;
        if (mkdir(tsub, 0755) != 0 && errno != EEXIST) {
            closedir(dir);
            rc = CG_ERR;
            break;
        }
        while (rc == CG_OK && (f = readdir(dir))) {
            if (f->d_name[0] == '.' || strstr(f->d_name, ".part"))
                continue;
            if (str_fmt(src, sizeof(src), "%s/%s", sub, f->d_name) != CG_OK ||
                str_fmt(dst, sizeof(dst), "%s/%s", tsub, f->d_name) != CG_OK)
                continue;
            if (stat(dst, &sb) == 0) {
                (*kept)++;
                continue;
            }
            if ((rc = copy_file(src, dst)) == CG_OK)
                (*copied)++;
            else
                fprintf(stderr, "cannot copy %s: %s\n", src, strerror(errno));
        }
        closedir(dir);
    }
    closedir(top);
    return rc;
}

static int
usage(const char *name, bool restore)
{
    if (restore)
        printf("Usage: civicgrid restore --from DIR [--db PATH] "
               "[--blob-dir DIR]\n\nPuts a backup made by `civicgrid "
               "backup` back: checks its database, replaces the database at\n"
               "--db with it (refused while a server has it open: stop the "
               "servers first),\nand copies back the photos the photo "
               "folder lacks.\n\n");
    else
        printf("Usage: civicgrid backup --to DIR [--db PATH] "
               "[--blob-dir DIR]\n\nCopies the database as it is at one "
               "moment, while the servers go on working\n(SQLite's online "
               "backup), into DIR/civicgrid.db, checks the copy, and copies\n"
               "the photos DIR/blobs lacks. Backing up into the same DIR "
               "again copies only new\nphotos. For PostgreSQL use pg_dump "
               "-Fc and a copy of the photo folder.\n\n");
    (void)name;
    config_usage(SET_DB | SET_BLOB_DIR);
    return 0;
}

static int
run(int argc, char **argv, bool restore)
{
    struct backup_info info;
    struct config cfg;
    char dir[512] = "", dbcopy[700], blobs[700], err[400] = "";
    size_t copied = 0, kept = 0;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(argv[0], restore);
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], restore ? "--from" : "--to") == 0 && i + 1 < argc) {
            str_copy(dir, sizeof(dir), argv[++i]);
            continue;
        }
        fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[i]);
        return 2;
    }
    if (!dir[0]) {
        fprintf(stderr, "%s: say where: %s DIR\n", argv[0],
                restore ? "--from" : "--to");
        return 2;
    }
    if (is_postgres(cfg.db)) {
        fprintf(stderr,
                "%s: the database is PostgreSQL: use pg_dump -Fc (and "
                "pg_restore) for it,\nand copy the photo folder %s beside "
                "the dump\n",
                argv[0], cfg.blob_dir);
        return 2;
    }
    str_fmt(dbcopy, sizeof(dbcopy), "%s/civicgrid.db", dir);
    str_fmt(blobs, sizeof(blobs), "%s/blobs", dir);
    if (restore) {
        rc = store_restore_sqlite(dbcopy, cfg.db, &info, err, sizeof(err));
        if (rc == CG_OK)
            rc = cmd_copy_blobs(blobs, cfg.blob_dir, &copied, &kept);
    } else {
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: cannot create %s: %s\n", argv[0], dir,
                    strerror(errno));
            return 1;
        }
        /* A copy never overwrites an earlier one in place. */
        char tmp[720];
        str_fmt(tmp, sizeof(tmp), "%s.new", dbcopy);
        unlink(tmp);
        rc = store_backup_sqlite(cfg.db, tmp, &info, err, sizeof(err));
        if (rc == CG_OK && rename(tmp, dbcopy) != 0) {
            str_fmt(err, sizeof(err), "cannot name the copy %s: %s", dbcopy,
                    strerror(errno));
            rc = CG_ERR;
        }
        unlink(tmp);
        if (rc == CG_OK)
            rc = cmd_copy_blobs(cfg.blob_dir, blobs, &copied, &kept);
    }
    if (rc != CG_OK) {
        fprintf(stderr, "%s: %s\n", argv[0],
                err[0] ? err : "the photos could not all be copied");
        return 1;
    }
    if (restore && info.replaced[0])
        printf("the database it replaced is kept as %s\n", info.replaced);
    printf("%s %s: schema %lld, %lld cases, %lld events, %lld users; "
           "photos: %zu copied, %zu already there\n",
           restore ? "restored" : "backed up", restore ? cfg.db : dbcopy,
           (long long)info.schema_version, (long long)info.cases,
           (long long)info.events, (long long)info.users, copied, kept);
    return 0;
}

int
cmd_backup(int argc, char **argv)
{
    return run(argc, argv, false);
}

int
cmd_restore(int argc, char **argv)
{
    return run(argc, argv, true);
}

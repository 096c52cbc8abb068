/*
 * fuzz_photo.c - an uploaded photo through the whole pipeline: type
 * sniffing, the byte and pixel limits read from the header, decoding,
 * rotation, re-encoding without metadata and the thumbnail, stored in a
 * scratch directory that is emptied after each input.
 *
 * Input: the uploaded file.  The limits are smaller than the server's so
 * a run spends its time on many small images rather than a few big ones;
 * the checks are the same code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/str.h"
#include "media/photo.h"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char blob_dir[] = "/tmp/civicgrid-fuzz-photo-XXXXXX";

static void remove_stored(const char *hash);
static void remove_blob_dir(void);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_quiet();
    if (photo_init((*argv)[0]) != CG_OK || mkdtemp(blob_dir) == NULL)
        abort();
    atexit(remove_blob_dir);
    return 0;
}

static void
remove_stored(const char *hash)
{
    char path[4096];
    int thumb;

    for (thumb = 0; thumb < 2; thumb++)
        if (photo_path(blob_dir, hash, thumb, path, sizeof(path)) == CG_OK &&
            unlink(path) != 0)
            abort(); /* said stored, but is not there */
    if (str_fmt(path, sizeof(path), "%s/%.2s", blob_dir, hash) == CG_OK)
        (void)rmdir(path);
}

static void
remove_blob_dir(void)
{
    (void)rmdir(blob_dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct photo_limits lim = {
        .max_bytes = 256 * 1024,
        .max_pixels = 1024 * 1024,
        .max_side = 256,
        .thumb_side = 64,
    };
    struct photo_info info;
    char err[256];
    const char *type = photo_sniff(data, size);
    int rc;

    memset(&info, 0, sizeof(info));
    rc = photo_ingest(data, size, &lim, blob_dir, &info, err, sizeof(err));
    if (rc == CG_OK) {
        if (type == NULL || strcmp(type, info.source_type) != 0 ||
            info.width < 1 || info.height < 1 || info.width > lim.max_side ||
            info.height > lim.max_side || info.bytes == 0)
            abort();
        remove_stored(info.hash);
    } else if (err[0] == '\0' || (rc == CG_EUNSUPPORTED) != (type == NULL)) {
        abort();
    }
    return 0;
}

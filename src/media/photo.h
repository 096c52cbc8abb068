/*
 * photo.h - turning an uploaded photo into something safe to show.
 *
 * The type is decided by the first bytes (JPEG, PNG or WebP; nothing else
 * is ever handed to a decoder), the byte and pixel limits are checked from
 * the header before any pixel is decoded, EXIF orientation is applied, and
 * the picture is re-encoded as JPEG with every piece of metadata (EXIF GPS,
 * XMP, ICC comments) left behind.  A thumbnail is made beside it.  Both are
 * stored under the SHA-256 of the stored JPEG, so the same photo uploaded
 * twice is stored once.
 */
#ifndef CG_PHOTO_H
#define CG_PHOTO_H

#include <stddef.h>
#include <stdint.h>

struct photo_limits {
    size_t max_bytes;    /* upload size, e.g. 10 MiB */
    uint64_t max_pixels; /* width * height from the header, e.g. 100e6 */
    int max_side;        /* long edge of the stored photo, e.g. 2048 */
    int thumb_side;      /* long edge of the thumbnail, e.g. 320 */
};

struct photo_info {
    char hash[65];       /* hex SHA-256 of the stored JPEG */
    int width, height;   /* of the stored JPEG, after rotation */
    size_t bytes;        /* size of the stored JPEG */
    char source_type[8]; /* "jpeg", "png" or "webp" */
};

/* Starts the image library with only the three loaders reachable.  Call
 * once before threads start; returns CG_ERR if the library fails. */
int photo_init(const char *argv0);

/* Sniffs the type: "jpeg", "png", "webp" or NULL. */
const char *photo_sniff(const void *data, size_t len);

/*
 * Checks, cleans and stores one photo under blob_dir.  Returns
 *   CG_OK            stored (or already there); *out filled
 *   CG_EUNSUPPORTED  not a JPEG, PNG or WebP by content
 *   CG_ETOOBIG       over max_bytes, or over max_pixels by its header
 *   CG_EINVAL        cannot be decoded (truncated, corrupt)
 *   CG_ERR           could not be written
 * err receives a sentence for the person who sent it.
 */
int photo_ingest(const void *data, size_t len, const struct photo_limits *lim,
                 const char *blob_dir, struct photo_info *out, char *err,
                 size_t errlen);

/* Path of a stored photo or its thumbnail; CG_EINVAL if hash is not 64 hex
 * characters (so a request can never name another file). */
int photo_path(const char *blob_dir, const char *hash, int thumb, char *out,
               size_t outlen);

#endif

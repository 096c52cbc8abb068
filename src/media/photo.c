/*
 * photo.c - the photo pipeline: sniff, check limits, decode, rotate,
 * shrink, re-encode without metadata, and store under the content hash.
 *
 * Decoding order matters for safety.  The loader for the sniffed type is
 * called directly (libvips never guesses), with only the header read at
 * first; the pixel limit is checked on that header, so a decompression
 * bomb is refused before its pixels exist.  The pixels are then streamed
 * through the resize and only the resized image is held in memory, where
 * the EXIF rotation is applied.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <vips/vips.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "media/photo.h"

#define JPEG_QUALITY 85
#define HASH_HEX_LEN 64

static const char MSG_BROKEN[] =
    "the photo could not be read; it may be damaged or incomplete";
static const char MSG_STORE[] =
    "the photo could not be stored; please try again later";

static VipsImage *load_header(const void *data, size_t len, const char *type,
                              double scale);
static bool webp_size(const unsigned char *p, size_t len, uint64_t *w,
                      uint64_t *h);
static double webp_scale(uint64_t w, uint64_t h, int side);
static int to_srgb8(VipsImage *in, VipsImage **out);
static int fit_side(VipsImage *in, int side, VipsImage **out);
static int encode_jpeg(VipsImage *in, void **jpeg, size_t *jpeg_len);
static int store_blob(const char *dir, const char *name, const void *data,
                      size_t len);
static int ensure_dir(const char *path);
static int write_all(int fd, const void *data, size_t len);
static void vips_failed(const char *what);
static bool hash_ok(const char *hash);

/* Starts libvips for untrusted input: every loader is blocked except the
 * three buffer loaders this file calls, the operation cache is off (it
 * would keep decoded uploads alive) and each image is decoded by one
 * worker thread, the request thread being the unit of parallelism. */
int
photo_init(const char *argv0)
{
    if (VIPS_INIT(argv0 ? argv0 : "civicgrid") != 0) {
        vips_failed("vips_init");
        return CG_ERR;
    }
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set("VipsForeignLoadJpegBuffer", FALSE);
    vips_operation_block_set("VipsForeignLoadPngBuffer", FALSE);
    vips_operation_block_set("VipsForeignLoadWebpBuffer", FALSE);
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    if (sodium_init() < 0) {
        log_error("msg=\"sodium_init failed\"");
        return CG_ERR;
    }
    return CG_OK;
}

const char *
photo_sniff(const void *data, size_t len)
{
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF};
    static const unsigned char png[] = {0x89, 'P',  'N',  'G',
                                        0x0D, 0x0A, 0x1A, 0x0A};
    const unsigned char *p = data;

    if (p == NULL)
        return NULL;
    if (len >= sizeof(jpeg) && memcmp(p, jpeg, sizeof(jpeg)) == 0)
        return "jpeg";
    if (len >= sizeof(png) && memcmp(p, png, sizeof(png)) == 0)
        return "png";
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "webp";
    return NULL;
}

int
photo_ingest(const void *data, size_t len, const struct photo_limits *lim,
             const char *blob_dir, struct photo_info *out, char *err,
             size_t errlen)
{
    VipsImage *img = NULL, *srgb = NULL, *fitted = NULL, *mem = NULL;
    VipsImage *rot = NULL, *thumb = NULL;
    void *jpeg = NULL, *tjpeg = NULL;
    size_t jpeg_len = 0, tjpeg_len = 0;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hash[HASH_HEX_LEN + 1], name[HASH_HEX_LEN + 16];
    char subdir[4096];
    const char *type;
    uint64_t pixels, ww, wh;
    double scale = 1.0;
    int rc = CG_EINVAL;

    if (err == NULL)
        errlen = 0;
    else if (errlen > 0)
        err[0] = '\0';
    if (data == NULL || lim == NULL || blob_dir == NULL || out == NULL) {
        str_copy(err, errlen, "no photo was received");
        goto out;
    }
    if (len > lim->max_bytes) {
        rc = CG_ETOOBIG;
        char got[32], max[32];
        str_size(len, got, sizeof(got));
        str_size(lim->max_bytes, max, sizeof(max));
        str_fmt(err, errlen, "the photo is %s; the limit is %s", got, max);
        goto out;
    }
    type = photo_sniff(data, len);
    if (type == NULL) {
        rc = CG_EUNSUPPORTED;
        str_copy(err, errlen, "only JPEG, PNG and WebP photos are accepted");
        goto out;
    }

    /* A PNG states its size in its first chunk; read it before the
     * library does, which refuses absurd sizes with a less useful error. */
    if (strcmp(type, "png") == 0 && len >= 24) {
        const unsigned char *p = data;
        uint64_t w = (uint64_t)p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19];
        uint64_t h = (uint64_t)p[20] << 24 | p[21] << 16 | p[22] << 8 | p[23];
        if (w * h > lim->max_pixels) {
            rc = CG_ETOOBIG;
            str_fmt(err, errlen,
                    "the photo is %llu x %llu pixels; the limit is %llu "
                    "pixels",
                    (unsigned long long)w, (unsigned long long)h,
                    (unsigned long long)lim->max_pixels);
            goto out;
        }
    }
    /* libwebp decodes a whole frame at once, into a buffer of the size it
     * is asked for: a WebP near the pixel limit would take over a gigabyte
     * to be shrunk.  Its size is read here, and one larger than the
     * stored photo is decoded already scaled down to about that size. */
    if (strcmp(type, "webp") == 0 && webp_size(data, len, &ww, &wh)) {
        if (ww * wh > lim->max_pixels) {
            rc = CG_ETOOBIG;
            str_fmt(err, errlen,
                    "the photo is %llu x %llu pixels; the limit is %llu "
                    "pixels",
                    (unsigned long long)ww, (unsigned long long)wh,
                    (unsigned long long)lim->max_pixels);
            goto out;
        }
        scale = webp_scale(ww, wh, lim->max_side);
    }
    img = load_header(data, len, type, scale);
    if (img == NULL) {
        str_copy(err, errlen, MSG_BROKEN);
        goto out;
    }
    pixels = (uint64_t)vips_image_get_width(img) *
             (uint64_t)vips_image_get_height(img);
    if (pixels > lim->max_pixels) {
        rc = CG_ETOOBIG;
        str_fmt(err, errlen,
                "the photo is %d x %d pixels; the limit is %llu pixels",
                vips_image_get_width(img), vips_image_get_height(img),
                (unsigned long long)lim->max_pixels);
        goto out;
    }

    /* Here the pixels are decoded: any damage in the file surfaces as a
     * failure of the copy into memory. */
    if (to_srgb8(img, &srgb) != 0 || fit_side(srgb, lim->max_side, &fitted) ||
        (mem = vips_image_copy_memory(fitted)) == NULL ||
        vips_autorot(mem, &rot, NULL) != 0) {
        vips_failed("decode");
        str_copy(err, errlen, MSG_BROKEN);
        goto out;
    }
    if (fit_side(rot, lim->thumb_side, &thumb) != 0 ||
        encode_jpeg(rot, &jpeg, &jpeg_len) != 0 ||
        encode_jpeg(thumb, &tjpeg, &tjpeg_len) != 0) {
        vips_failed("encode");
        str_copy(err, errlen, MSG_BROKEN);
        goto out;
    }

    crypto_hash_sha256(digest, jpeg, jpeg_len);
    str_hex(digest, sizeof(digest), hash);
    rc = CG_ERR;
    if (ensure_dir(blob_dir) != CG_OK ||
        str_fmt(subdir, sizeof(subdir), "%s/%.2s", blob_dir, hash) != CG_OK ||
        ensure_dir(subdir) != CG_OK) {
        str_copy(err, errlen, MSG_STORE);
        goto out;
    }
    str_fmt(name, sizeof(name), "%s.thumb.jpg", hash);
    if (store_blob(subdir, name, tjpeg, tjpeg_len) != CG_OK) {
        str_copy(err, errlen, MSG_STORE);
        goto out;
    }
    str_fmt(name, sizeof(name), "%s.jpg", hash);
    if (store_blob(subdir, name, jpeg, jpeg_len) != CG_OK) {
        str_copy(err, errlen, MSG_STORE);
        goto out;
    }

    memcpy(out->hash, hash, sizeof(out->hash));
    out->width = vips_image_get_width(rot);
    out->height = vips_image_get_height(rot);
    out->bytes = jpeg_len;
    str_copy(out->source_type, sizeof(out->source_type), type);
    rc = CG_OK;

out:
    g_free(tjpeg);
    g_free(jpeg);
    VIPS_UNREF(thumb);
    VIPS_UNREF(rot);
    VIPS_UNREF(mem);
    VIPS_UNREF(fitted);
    VIPS_UNREF(srgb);
    VIPS_UNREF(img);
    vips_error_clear();
    return rc;
}

int
photo_path(const char *blob_dir, const char *hash, int thumb, char *out,
           size_t outlen)
{
    if (blob_dir == NULL || out == NULL || !hash_ok(hash))
        return CG_EINVAL;
    return str_fmt(out, outlen, "%s/%.2s/%s%s", blob_dir, hash, hash,
                   thumb ? ".thumb.jpg" : ".jpg");
}

static bool
hash_ok(const char *hash)
{
    size_t i;

    if (hash == NULL)
        return false;
    for (i = 0; i < HASH_HEX_LEN; i++) {
        char c = hash[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return hash[i] == '\0';
}

/* Opens the image with the loader of the sniffed type.  libvips reads only
 * the header here; pixels are decoded when something asks for them.  The
 * image refers to data, which must outlive it.  A WebP is decoded at scale
 * (1.0: full size).  NULL if the header is bad. */
static VipsImage *
load_header(const void *data, size_t len, const char *type, double scale)
{
    VipsImage *img = NULL;
    void *buf = (void *)data;
    int r;

    if (strcmp(type, "jpeg") == 0)
        r = vips_jpegload_buffer(buf, len, &img, "access",
                                 VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                 VIPS_FAIL_ON_ERROR, NULL);
    else if (strcmp(type, "png") == 0)
        r = vips_pngload_buffer(buf, len, &img, "access",
                                VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                VIPS_FAIL_ON_ERROR, NULL);
    else
        r = vips_webpload_buffer(buf, len, &img, "access",
                                 VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                 VIPS_FAIL_ON_ERROR, "scale", scale, NULL);
    if (r != 0) {
        vips_failed("load");
        return NULL;
    }
    return img;
}

/* The canvas size a WebP states in its first chunk: a lossy ("VP8 ") or
 * lossless ("VP8L") bitstream, or the extended header ("VP8X").  false if
 * the bytes are none of these; the decoder then judges them. */
static bool
webp_size(const unsigned char *p, size_t len, uint64_t *w, uint64_t *h)
{
    uint32_t bits;

    if (len >= 30 && memcmp(p + 12, "VP8 ", 4) == 0 && p[23] == 0x9d &&
        p[24] == 0x01 && p[25] == 0x2a) {
        *w = (uint64_t)((p[26] | p[27] << 8) & 0x3fff);
        *h = (uint64_t)((p[28] | p[29] << 8) & 0x3fff);
        return true;
    }
    if (len >= 25 && memcmp(p + 12, "VP8L", 4) == 0 && p[20] == 0x2f) {
        bits = (uint32_t)p[21] | (uint32_t)p[22] << 8 | (uint32_t)p[23] << 16 |
               (uint32_t)p[24] << 24;
        *w = (bits & 0x3fff) + 1;
        *h = (bits >> 14 & 0x3fff) + 1;
        return true;
    }
    if (len >= 30 && memcmp(p + 12, "VP8X", 4) == 0) {
        *w = 1 +
             ((uint64_t)p[24] | (uint64_t)p[25] << 8 | (uint64_t)p[26] << 16);
        *h = 1 +
             ((uint64_t)p[27] | (uint64_t)p[28] << 8 | (uint64_t)p[29] << 16);
        return true;
    }
    return false;
}

/* The decode scale that brings the long edge of a w x h picture down to
 * side, but never the short edge below one pixel; 1.0 when it fits. */
static double
webp_scale(uint64_t w, uint64_t h, int side)
{
    uint64_t edge = w > h ? w : h, shortest = w > h ? h : w;
    double scale;

    if (side <= 0 || edge <= (uint64_t)side || shortest < 1)
        return 1.0;
    scale = (double)side / (double)edge;
    if (scale * (double)shortest < 1.0)
        scale = 1.0 / (double)shortest;
    return scale < 1.0 ? scale : 1.0;
}

/* Brings any input to 8-bit sRGB without alpha, the only thing a JPEG
 * holds: an embedded colour profile is applied (it is about to be
 * stripped), grey and 16-bit images are converted and transparency is
 * flattened on white.  *out is a new reference; -1 on failure. */
static int
to_srgb8(VipsImage *in, VipsImage **out)
{
    VipsImage *t[4] = {NULL, NULL, NULL, NULL};
    VipsImage *cur = in;
    int rc = -1;

    if (vips_image_get_typeof(cur, VIPS_META_ICC_NAME) != 0) {
        if (vips_icc_transform(cur, &t[0], "srgb", "embedded", TRUE, "intent",
                               VIPS_INTENT_PERCEPTUAL, NULL) == 0)
            cur = t[0];
        else
            vips_error_clear();
    }
    if (vips_colourspace(cur, &t[1], VIPS_INTERPRETATION_sRGB, NULL) != 0)
        goto out;
    cur = t[1];
    if (vips_image_hasalpha(cur)) {
        VipsArrayDouble *white;
        double max_alpha =
            vips_image_get_format(cur) == VIPS_FORMAT_USHORT ? 65535 : 255;
        double bg[3] = {max_alpha, max_alpha, max_alpha};

        white = vips_array_double_new(bg, 3);
        if (vips_flatten(cur, &t[2], "background", white, "max_alpha",
                         max_alpha, NULL) != 0) {
            vips_area_unref(VIPS_AREA(white));
            goto out;
        }
        vips_area_unref(VIPS_AREA(white));
        cur = t[2];
    }
    if (vips_cast_uchar(cur, &t[3], NULL) != 0)
        goto out;
    *out = t[3];
    t[3] = NULL;
    rc = 0;

out:
    for (size_t i = 0; i < 4; i++)
        VIPS_UNREF(t[i]);
    return rc;
}

/* Shrinks in so that its long edge is at most side; a smaller image is
 * passed on as a new reference to itself.  -1 on failure. */
static int
fit_side(VipsImage *in, int side, VipsImage **out)
{
    int w = vips_image_get_width(in), h = vips_image_get_height(in);
    int edge = w > h ? w : h;

    if (side <= 0 || edge <= side) {
        g_object_ref(in);
        *out = in;
        return 0;
    }
    return vips_resize(in, out, (double)side / edge, NULL);
}

/* JPEG at the house quality with every metadata item stripped.  *jpeg is
 * g_malloc'd and belongs to the caller.  -1 on failure. */
static int
encode_jpeg(VipsImage *in, void **jpeg, size_t *jpeg_len)
{
    return vips_jpegsave_buffer(in, jpeg, jpeg_len, "Q", JPEG_QUALITY, "strip",
                                TRUE, "optimize_coding", TRUE, NULL);
}

/* Writes dir/name unless it is already there.  The bytes go to a
 * temporary file in the same directory, are flushed to disk and renamed
 * into place, so a reader never sees half a photo and a crash leaves at
 * worst a stray temporary file. */
static int
store_blob(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096], tmp[4096];
    struct stat st;
    int fd = -1, dfd = -1, rc = CG_ERR;

    if (str_fmt(path, sizeof(path), "%s/%s", dir, name) != CG_OK ||
        str_fmt(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", dir) != CG_OK)
        goto out;
    if (stat(path, &st) == 0) {
        rc = CG_OK;
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        log_error("msg=\"cannot create photo file\" dir=%s err=\"%s\"", dir,
                  strerror(errno));
        tmp[0] = '\0';
        goto out;
    }
    if (fchmod(fd, 0644) != 0 || write_all(fd, data, len) != CG_OK ||
        fsync(fd) != 0) {
        log_error("msg=\"cannot write photo\" path=%s err=\"%s\"", tmp,
                  strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        log_error("msg=\"cannot write photo\" path=%s err=\"%s\"", tmp,
                  strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        log_error("msg=\"cannot store photo\" path=%s err=\"%s\"", path,
                  strerror(errno));
        goto out;
    }
    tmp[0] = '\0';
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0)
        (void)fsync(dfd);
    rc = CG_OK;

out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (rc != CG_OK && tmp[0] != '\0')
        unlink(tmp);
    return rc;
}

static int
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return CG_ERR;
        }
        p += n;
        len -= (size_t)n;
    }
    return CG_OK;
}

static int
ensure_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return CG_OK;
    log_error("msg=\"cannot create photo directory\" path=%s err=\"%s\"", path,
              strerror(errno));
    return CG_ERR;
}

/* Logs libvips' reason for an operator, on one line, and clears it so the
 * next call's messages are not mixed with this one's. */
static void
vips_failed(const char *what)
{
    const char *msg = vips_error_buffer();
    char line[256];
    size_t i;

    if (msg != NULL && msg[0] != '\0') {
        str_copy(line, sizeof(line), msg);
        for (i = 0; line[i] != '\0'; i++)
            if (line[i] == '\n' || line[i] == '"')
                line[i] = ' ';
        while (i > 0 && line[i - 1] == ' ')
            line[--i] = '\0';
        log_info("msg=\"photo refused by decoder\" step=%s err=\"%s\"", what,
                 line);
    }
    vips_error_clear();
}

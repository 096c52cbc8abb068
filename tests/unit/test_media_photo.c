/*
 * test_media_photo.c - the photo pipeline.  Fixtures are made here with
 * libvips itself, plus hand-built bytes where a fixture must lie (an EXIF
 * block with GPS, a PNG header claiming 20000 x 20000 pixels).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "base/err.h"
#include "media/photo.h"

struct blob {
    unsigned char *data;
    size_t len;
};

/* Fixtures, made once for the whole group. */
static struct blob jpeg_exif, png_alpha, webp, jpeg_cut, png_bomb, gif,
    text_file;
static char blob_dir[64];

static const struct photo_limits LIMITS = {
    .max_bytes = 1 << 20,
    .max_pixels = 40000000,
    .max_side = 2048,
    .thumb_side = 16,
};

static VipsImage *gradient(int w, int h);
static struct blob jpeg_with_exif(void);
static struct blob png_claiming(uint32_t w, uint32_t h);
static struct blob truncated_jpeg(void);
static struct blob copy_blob(const void *data, size_t len);
static struct blob read_file(const char *path);
static bool contains(const struct blob *b, const char *needle, size_t n);
static size_t count_files(const char *dir);
static void remove_tree(const char *dir);

/* A w x h 8-bit sRGB picture with a gradient, so every encoder has
 * something to do. */
static VipsImage *
gradient(int w, int h)
{
    VipsImage *xyz = NULL, *three = NULL, *u8 = NULL, *out = NULL;

    assert_int_equal(vips_xyz(&xyz, w, h, NULL), 0);
    assert_int_equal(vips_bandjoin_const1(xyz, &three, 90.0, NULL), 0);
    assert_int_equal(vips_cast_uchar(three, &u8, NULL), 0);
    assert_int_equal(
        vips_copy(u8, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL),
        0);
    g_object_unref(u8);
    g_object_unref(three);
    g_object_unref(xyz);
    return out;
}

static void
put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xFF);
    p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xFFFF);
    put16(p + 2, v >> 16);
}

static void
entry(unsigned char *p, unsigned tag, unsigned type, uint32_t count,
      uint32_t value)
{
    put16(p, tag);
    put16(p + 2, type);
    put32(p + 4, count);
    put32(p + 8, value);
}

/*
 * A 60 x 40 JPEG whose APP1 EXIF block says "rotate 90 degrees clockwise
 * to display" (orientation 6) and carries a GPS latitude.  The block is a
 * little-endian TIFF: IFD0 with Orientation and the GPS IFD pointer, the
 * GPS IFD with GPSLatitudeRef "N" and GPSLatitude 40/1 49/1 1234/100.
 */
static struct blob
jpeg_with_exif(void)
{
    unsigned char tiff[92] = {'I', 'I', 0x2A, 0, 8, 0, 0, 0};
    unsigned char *ifd0 = tiff + 8, *gps = tiff + 38, *rat = tiff + 68;
    static const uint32_t lat[6] = {40, 1, 49, 1, 1234, 100};
    VipsImage *img = gradient(60, 40);
    void *plain = NULL;
    size_t plain_len = 0, app1_len = 2 + 6 + sizeof(tiff);
    struct blob b;

    put16(ifd0, 2);
    entry(ifd0 + 2, 0x0112, 3, 1, 6);
    entry(ifd0 + 14, 0x8825, 4, 1, 38);
    put32(ifd0 + 26, 0);
    put16(gps, 2);
    entry(gps + 2, 0x0001, 2, 2, 'N');
    entry(gps + 14, 0x0002, 5, 3, 68);
    put32(gps + 26, 0);
    for (int i = 0; i < 6; i++)
        put32(rat + 4 * i, lat[i]);

    assert_int_equal(
        vips_jpegsave_buffer(img, &plain, &plain_len, "strip", TRUE, NULL), 0);
    b.len = plain_len + 2 + app1_len;
    b.data = malloc(b.len);
    assert_non_null(b.data);
    memcpy(b.data, plain, 2); /* SOI */
    b.data[2] = 0xFF;
    b.data[3] = 0xE1;
    b.data[4] = (unsigned char)(app1_len >> 8);
    b.data[5] = (unsigned char)(app1_len & 0xFF);
    memcpy(b.data + 6, "Exif\0\0", 6);
    memcpy(b.data + 12, tiff, sizeof(tiff));
    memcpy(b.data + 12 + sizeof(tiff), (unsigned char *)plain + 2,
           plain_len - 2);
    g_free(plain);
    g_object_unref(img);
    return b;
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static size_t
png_chunk(unsigned char *out, const char *type, const unsigned char *data,
          uint32_t len)
{
    uint32_t crc;

    out[0] = (unsigned char)(len >> 24);
    out[1] = (unsigned char)(len >> 16);
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
    memcpy(out + 4, type, 4);
    if (len > 0)
        memcpy(out + 8, data, len);
    crc = crc32_png(out + 4, len + 4);
    out[8 + len] = (unsigned char)(crc >> 24);
    out[9 + len] = (unsigned char)(crc >> 16);
    out[10 + len] = (unsigned char)(crc >> 8);
    out[11 + len] = (unsigned char)crc;
    return 12 + len;
}

/* A well-formed PNG whose header claims w x h RGB pixels, followed by a
 * tiny valid zlib stream (an empty stored block) instead of the pixels. */
static struct blob
png_claiming(uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {0x89, 'P',  'N',  'G',
                                         0x0D, 0x0A, 0x1A, 0x0A};
    static const unsigned char zlib[] = {0x78, 0x01, 0x01, 0x00, 0x00, 0xFF,
                                         0xFF, 0x00, 0x00, 0x00, 0x01};
    unsigned char ihdr[13] = {0};
    unsigned char out[128];
    size_t n = 0;

    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(w >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    ihdr[8] = 8; /* bit depth */
    ihdr[9] = 2; /* RGB */
    memcpy(out, sig, sizeof(sig));
    n = sizeof(sig);
    n += png_chunk(out + n, "IHDR", ihdr, sizeof(ihdr));
    n += png_chunk(out + n, "IDAT", zlib, sizeof(zlib));
    n += png_chunk(out + n, "IEND", NULL, 0);
    return copy_blob(out, n);
}

/* The first 60% of a noisy JPEG: header intact, scan cut short. */
static struct blob
truncated_jpeg(void)
{
    VipsImage *noise = NULL, *u8 = NULL, *rgb = NULL;
    void *full = NULL;
    size_t len = 0;
    struct blob b;

    assert_int_equal(
        vips_gaussnoise(&noise, 256, 256, "mean", 128.0, "sigma", 50.0, NULL),
        0);
    assert_int_equal(vips_cast_uchar(noise, &u8, NULL), 0);
    assert_int_equal(vips_bandjoin_const1(u8, &rgb, 30.0, NULL), 0);
    assert_int_equal(vips_jpegsave_buffer(rgb, &full, &len, "Q", 95, NULL), 0);
    b = copy_blob(full, len * 6 / 10);
    g_free(full);
    g_object_unref(rgb);
    g_object_unref(u8);
    g_object_unref(noise);
    return b;
}

static struct blob
copy_blob(const void *data, size_t len)
{
    struct blob b = {malloc(len ? len : 1), len};

    assert_non_null(b.data);
    memcpy(b.data, data, len);
    return b;
}

static struct blob
read_file(const char *path)
{
    struct blob b = {NULL, 0};
    struct stat st;
    FILE *fp = fopen(path, "rb");

    assert_non_null(fp);
    assert_int_equal(fstat(fileno(fp), &st), 0);
    b.len = (size_t)st.st_size;
    b.data = malloc(b.len ? b.len : 1);
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.len, fp), b.len);
    fclose(fp);
    return b;
}

static bool
contains(const struct blob *b, const char *needle, size_t n)
{
    return memmem(b->data, b->len, needle, n) != NULL;
}

static size_t
count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.' || strncmp(e->d_name, ".tmp-", 5) == 0;
    closedir(d);
    return n;
}

/* Removes the blob directory: files one level down, then the folders. */
static void
remove_tree(const char *dir)
{
    DIR *d = opendir(dir), *sd;
    struct dirent *e, *f;
    char sub[512], file[1024];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        if ((sd = opendir(sub)) == NULL) {
            unlink(sub);
            continue;
        }
        while ((f = readdir(sd)) != NULL) {
            snprintf(file, sizeof(file), "%s/%s", sub, f->d_name);
            if (f->d_name[0] != '.' || f->d_name[1] == 't')
                unlink(file);
        }
        closedir(sd);
        rmdir(sub);
    }
    closedir(d);
    rmdir(dir);
}

static int
setup(void **state)
{
    VipsImage *img, *alpha;
    void *p;
    size_t n;

    (void)state;
    if (photo_init("test_media_photo") != CG_OK)
        return -1;
    jpeg_exif = jpeg_with_exif();

    img = gradient(60, 40);
    assert_int_equal(vips_bandjoin_const1(img, &alpha, 200.0, NULL), 0);
    assert_int_equal(vips_pngsave_buffer(alpha, &p, &n, NULL), 0);
    png_alpha = copy_blob(p, n);
    g_free(p);
    assert_int_equal(vips_webpsave_buffer(img, &p, &n, NULL), 0);
    webp = copy_blob(p, n);
    g_free(p);
    g_object_unref(alpha);
    g_object_unref(img);

    jpeg_cut = truncated_jpeg();
    png_bomb = png_claiming(20000, 20000);
    gif = copy_blob("GIF89a\x01\x00\x01\x00\x80\x00\x00", 13);
    text_file = copy_blob("hello, this is not a photo\n", 27);

    snprintf(blob_dir, sizeof(blob_dir), "/tmp/civicgrid-photo-XXXXXX");
    if (mkdtemp(blob_dir) == NULL)
        return -1;
    return 0;
}

static int
teardown(void **state)
{
    struct blob *all[] = {&jpeg_exif, &png_alpha, &webp,     &jpeg_cut,
                          &png_bomb,  &gif,       &text_file};

    (void)state;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]->data);
    remove_tree(blob_dir);
    vips_shutdown();
    return 0;
}

static void
test_sniff(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *want;
    } cases[] = {
        {"\xFF\xD8\xFF\xE0", 4, "jpeg"},
        {"\xFF\xD8\xFF", 3, "jpeg"},
        {"\xFF\xD8", 2, NULL},
        {"\x89PNG\r\n\x1A\n", 8, "png"},
        {"\x89PNG\r\n\x1A", 7, NULL},
        {"RIFF\x10\x00\x00\x00WEBPVP8 ", 16, "webp"},
        {"RIFF\x10\x00\x00\x00WAVEfmt ", 16, NULL},
        {"GIF89a", 6, NULL},
        {"<svg xmlns=", 11, NULL},
        {"", 0, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = photo_sniff(cases[i].bytes, cases[i].len);

        if (cases[i].want == NULL
                ? got != NULL
                : got == NULL || strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: got %s", i, got ? got : "NULL");
    }
    assert_null(photo_sniff(NULL, 4));
}

/* Every fixture through the pipeline: the outcome, and for a stored photo
 * its type and size after rotation and shrinking. */
static void
test_ingest_table(void **state)
{
    static const struct {
        const char *name;
        struct blob *in;
        size_t max_bytes; /* 0: the default limits */
        int max_side;
        int rc;
        const char *type;
        int w, h;
        const char *msg; /* expected start of err */
    } cases[] = {
        {"jpeg, orientation 6", &jpeg_exif, 0, 0, CG_OK, "jpeg", 40, 60, ""},
        {"png with alpha", &png_alpha, 0, 0, CG_OK, "png", 60, 40, ""},
        {"png shrunk", &png_alpha, 0, 30, CG_OK, "png", 30, 20, ""},
        {"webp", &webp, 0, 0, CG_OK, "webp", 60, 40, ""},
        {"truncated jpeg", &jpeg_cut, 0, 0, CG_EINVAL, NULL, 0, 0,
         "the photo could not be read"},
        {"png bomb", &png_bomb, 0, 0, CG_ETOOBIG, NULL, 0, 0,
         "the photo is 20000 x 20000 pixels; the limit is 40000000"},
        {"gif", &gif, 0, 0, CG_EUNSUPPORTED, NULL, 0, 0,
         "only JPEG, PNG and WebP photos are accepted"},
        {"text", &text_file, 0, 0, CG_EUNSUPPORTED, NULL, 0, 0,
         "only JPEG, PNG and WebP photos are accepted"},
        {"over max_bytes", &webp, 10, 0, CG_ETOOBIG, NULL, 0, 0,
         "the photo is "},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct photo_limits lim = LIMITS;
        struct photo_info info;
        char err[256] = "x";
        int rc;

        if (cases[i].max_bytes)
            lim.max_bytes = cases[i].max_bytes;
        if (cases[i].max_side)
            lim.max_side = cases[i].max_side;
        memset(&info, 0, sizeof(info));
        rc = photo_ingest(cases[i].in->data, cases[i].in->len, &lim, blob_dir,
                          &info, err, sizeof(err));
        if (rc != cases[i].rc ||
            strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("%s: rc %d, err \"%s\"", cases[i].name, rc, err);
        if (rc != CG_OK)
            continue;
        assert_string_equal(info.source_type, cases[i].type);
        if (info.width != cases[i].w || info.height != cases[i].h)
            fail_msg("%s: stored %dx%d, want %dx%d", cases[i].name, info.width,
                     info.height, cases[i].w, cases[i].h);
        assert_int_equal(strlen(info.hash), 64);
        assert_true(info.bytes > 0);
    }
}

/* The fixture really carries EXIF GPS; what is stored carries none. */
static void
test_metadata_stripped(void **state)
{
    struct photo_info info;
    struct blob stored, thumb;
    VipsImage *img = NULL;
    char path[512], err[256];

    (void)state;
    assert_int_equal(
        vips_jpegload_buffer(jpeg_exif.data, jpeg_exif.len, &img, NULL), 0);
    assert_int_equal(vips_image_get_orientation(img), 6);
    assert_int_not_equal(vips_image_get_typeof(img, "exif-ifd3-GPSLatitude"),
                         0);
    g_object_unref(img);
    assert_true(contains(&jpeg_exif, "Exif\0\0", 6));

    assert_int_equal(photo_ingest(jpeg_exif.data, jpeg_exif.len, &LIMITS,
                                  blob_dir, &info, err, sizeof(err)),
                     CG_OK);
    assert_int_equal(photo_path(blob_dir, info.hash, 0, path, sizeof(path)),
                     CG_OK);
    stored = read_file(path);
    assert_int_equal(stored.len, info.bytes);
    assert_false(contains(&stored, "Exif", 4));
    assert_false(contains(&stored, "http://ns.adobe.com/xap", 23));

    assert_int_equal(vips_jpegload_buffer(stored.data, stored.len, &img, NULL),
                     0);
    assert_int_equal(vips_image_get_width(img), 40);
    assert_int_equal(vips_image_get_height(img), 60);
    assert_int_equal(vips_image_get_typeof(img, VIPS_META_EXIF_NAME), 0);
    assert_int_equal(vips_image_get_typeof(img, "exif-ifd3-GPSLatitude"), 0);
    g_object_unref(img);

    assert_int_equal(photo_path(blob_dir, info.hash, 1, path, sizeof(path)),
                     CG_OK);
    thumb = read_file(path);
    assert_false(contains(&thumb, "Exif", 4));
    assert_int_equal(vips_jpegload_buffer(thumb.data, thumb.len, &img, NULL),
                     0);
    assert_true(vips_image_get_height(img) == LIMITS.thumb_side &&
                vips_image_get_width(img) < LIMITS.thumb_side);
    g_object_unref(img);
    free(thumb.data);
    free(stored.data);
}

/*
 * libwebp decodes a whole frame at once.  A WebP much larger than the
 * stored photo must be decoded already scaled down, or a 2 KB upload of
 * 36 megapixels of black takes a 144 MB frame (6000 x 6000 x 4 bytes)
 * while it is shrunk; several at once would exhaust the server.  libvips
 * counts every pixel buffer it allocates, and that count's high-water
 * mark must stay below one such frame.  The fixture was made with
 *   vips black b.v 6000 6000 --bands 3
 *   vips webpsave b.v black-6000.webp --lossless
 */
static void
test_big_webp_decoded_small(void **state)
{
    const char *data = getenv("CIVICGRID_TEST_DATA");
    const size_t frame = (size_t)6000 * 6000 * 4;
    struct photo_info info;
    char path[1024], err[256];
    struct blob big;

    (void)state;
    snprintf(path, sizeof(path), "%s/photos/black-6000.webp",
             data ? data : "tests/data");
    big = read_file(path);
    assert_int_equal(photo_ingest(big.data, big.len, &LIMITS, blob_dir, &info,
                                  err, sizeof(err)),
                     CG_OK);
    assert_int_equal(info.width, LIMITS.max_side);
    assert_int_equal(info.height, LIMITS.max_side);
    if (vips_tracked_get_mem_highwater() >= frame)
        fail_msg("libvips held %zu MiB of pixels at once",
                 vips_tracked_get_mem_highwater() >> 20);
    free(big.data);
}

static void
test_same_photo_stored_once(void **state)
{
    struct photo_info a, b;
    char err[256], dir[512];

    (void)state;
    assert_int_equal(photo_ingest(webp.data, webp.len, &LIMITS, blob_dir, &a,
                                  err, sizeof(err)),
                     CG_OK);
    assert_int_equal(photo_ingest(webp.data, webp.len, &LIMITS, blob_dir, &b,
                                  err, sizeof(err)),
                     CG_OK);
    assert_string_equal(a.hash, b.hash);
    assert_int_equal(a.bytes, b.bytes);
    snprintf(dir, sizeof(dir), "%s/%.2s", blob_dir, a.hash);
    /* the photo and its thumbnail, and no temporary left behind; another
     * fixture may share the two-letter folder only by a 1 in 256 chance */
    assert_true(count_files(dir) == 2 || count_files(dir) == 4);
}

static void
test_path(void **state)
{
    static const char good[] =
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static const char *bad[] = {
        "../etc/passwd",
        "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "0123456789abcdef",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/",
        "",
        NULL,
    };
    char out[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (photo_path("/srv/blobs", bad[i], 0, out, sizeof(out)) != CG_EINVAL)
            fail_msg("case %zu was accepted", i);
    assert_int_equal(photo_path("/srv/blobs", good, 0, out, sizeof(out)),
                     CG_OK);
    assert_string_equal(out, "/srv/blobs/01/0123456789abcdef0123456789abcdef"
                             "0123456789abcdef0123456789abcdef.jpg");
    assert_int_equal(photo_path("/srv/blobs", good, 1, out, sizeof(out)),
                     CG_OK);
    assert_string_equal(out, "/srv/blobs/01/0123456789abcdef0123456789abcdef"
                             "0123456789abcdef0123456789abcdef.thumb.jpg");
    assert_int_equal(photo_path("/srv/blobs", good, 0, out, 20), CG_ETOOBIG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_ingest_table),
        cmocka_unit_test(test_metadata_stripped),
        cmocka_unit_test(test_same_photo_stored_once),
        cmocka_unit_test(test_big_webp_decoded_small),
        cmocka_unit_test(test_path),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

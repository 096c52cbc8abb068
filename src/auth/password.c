/*
 * password.c - argon2id password hashes and random session tokens.
 *
 * argon2id with 12 MiB and three passes: among the settings the
 * published password-storage guidance counts as equally strong (46 MiB
 * and one pass, 19 MiB and two, 12 MiB and three), the one that needs
 * least memory, since a server answering a crowd of sign-ins must keep
 * its memory bounded; a counting semaphore lets only a few hashes run at
 * once.  A hash made with other settings (the 64 MiB of earlier versions)
 * is still verified, and replaced at the next successful sign-in.
 */
#include <pthread.h>
#include <semaphore.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

#define HASH_SLOTS  2
#define HASH_PASSES 3
#define HASH_MEMORY ((size_t)12 << 20)

static sem_t hash_slots;

static uint64_t
username_key(const char *username)
{
    unsigned char d[8];
    uint64_t k = 0;
    size_t i;

    crypto_generichash(d, sizeof(d), (const unsigned char *)username,
                       strlen(username), NULL, 0);
    for (i = 0; i < sizeof(d); i++)
        k = k << 8 | d[i];
    return k;
}

void
auth_throttle_key(const char *username, char out[AUTH_THROTTLE_KEY_LEN])
{
    uint64_t k = username_key(username);
    unsigned char b[8];
    size_t i;

    for (i = 0; i < sizeof(b); i++)
        b[i] = (unsigned char)(k >> (56 - 8 * i));
    str_hex(b, sizeof(b), out);
}

int64_t
auth_throttle_policy(int64_t since, int64_t failures, int64_t now)
{
    if (failures >= AUTH_MAX_FAILURES && now - since < AUTH_FAILURE_WINDOW)
        return AUTH_FAILURE_WINDOW - (now - since);
    return 0;
}

int
auth_init(void)
{
    if (sodium_init() < 0)
        return CG_ERR;
    if (sem_init(&hash_slots, 0, HASH_SLOTS) != 0)
        return CG_ERR;
    return CG_OK;
}

int
auth_password_check(const char *password, const char **why)
{
    size_t n = strlen(password);

    if (n < 8) {
        *why = "the password must have at least 8 characters";
        return CG_EINVAL;
    }
    if (n > 128) {
        *why = "the password must have at most 128 bytes";
        return CG_EINVAL;
    }
    return CG_OK;
}

int
auth_password_hash(const char *password, char out[AUTH_HASH_LEN])
{
    int rc;

    sem_wait(&hash_slots);
    rc = crypto_pwhash_str_alg(out, password, strlen(password), HASH_PASSES,
                               HASH_MEMORY, crypto_pwhash_ALG_ARGON2ID13);
    sem_post(&hash_slots);
    return rc == 0 ? CG_OK : CG_ENOMEM;
}

bool
auth_password_verify(const char *hash, const char *password)
{
    int rc;

    sem_wait(&hash_slots);
    rc = crypto_pwhash_str_verify(hash, password, strlen(password));
    sem_post(&hash_slots);
    return rc == 0;
}

bool
auth_password_needs_rehash(const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, HASH_PASSES, HASH_MEMORY) != 0;
}

void
auth_token_new(char token[AUTH_TOKEN_LEN])
{
    unsigned char rnd[32];

    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2base64(token, AUTH_TOKEN_LEN, rnd, sizeof(rnd),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
auth_token_digest(const char *token, char digest[AUTH_DIGEST_LEN])
{
    unsigned char d[32];

    crypto_generichash(d, sizeof(d), (const unsigned char *)token,
                       strlen(token), NULL, 0);
    str_hex(d, sizeof(d), digest);
}

bool
auth_equal(const char *a, const char *b)
{
    size_t n = strlen(a);

    return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

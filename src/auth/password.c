/*
 * password.c - argon2id password hashes and random session tokens.
 *
 * A burst of sign-ins must not take the machine's memory: each argon2id
 * hash uses 64 MiB, so a counting semaphore lets only a few run at once.
 */
#include <semaphore.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

#define HASH_SLOTS 2

static sem_t hash_slots;

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
    rc = crypto_pwhash_str_alg(
        out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
        crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
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

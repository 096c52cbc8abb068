/*
 * password.c - argon2id password hashes and random session tokens.
 *
 * A burst of sign-ins must not take the machine's memory: each argon2id
 * hash uses 64 MiB, so a counting semaphore lets only a few run at once.
 */
#include <pthread.h>
#include <semaphore.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

#define HASH_SLOTS     2
#define THROTTLE_SLOTS 1024

static sem_t hash_slots;

/* Failed sign-ins, by a hash of the username.  Two usernames that share a
 * slot share a count; with 1024 slots that only makes the lock a little
 * early for both, never late. */
static struct {
    uint64_t key;
    int64_t since;
    int failures;
} throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

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

int64_t
auth_throttle_wait(const char *username, int64_t now)
{
    uint64_t k = username_key(username);
    size_t slot = k % THROTTLE_SLOTS;
    int64_t wait = 0;

    pthread_mutex_lock(&throttle_lock);
    if (throttle[slot].key == k &&
        throttle[slot].failures >= AUTH_MAX_FAILURES &&
        now - throttle[slot].since < AUTH_FAILURE_WINDOW)
        wait = AUTH_FAILURE_WINDOW - (now - throttle[slot].since);
    pthread_mutex_unlock(&throttle_lock);
    return wait;
}

void
auth_throttle_fail(const char *username, int64_t now)
{
    uint64_t k = username_key(username);
    size_t slot = k % THROTTLE_SLOTS;

    pthread_mutex_lock(&throttle_lock);
    if (throttle[slot].key != k ||
        now - throttle[slot].since >= AUTH_FAILURE_WINDOW) {
        throttle[slot].key = k;
        throttle[slot].since = now;
        throttle[slot].failures = 0;
    }
    throttle[slot].failures++;
    pthread_mutex_unlock(&throttle_lock);
}

void
auth_throttle_clear(const char *username)
{
    uint64_t k = username_key(username);
    size_t slot = k % THROTTLE_SLOTS;

    pthread_mutex_lock(&throttle_lock);
    if (throttle[slot].key == k)
        throttle[slot].failures = 0;
    pthread_mutex_unlock(&throttle_lock);
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

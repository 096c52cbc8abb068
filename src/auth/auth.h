/*
 * auth.h - who may do what: passwords, session tokens, and the one
 * permission check (role x area scope x action).
 */
#ifndef CG_AUTH_H
#define CG_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lifecycle.h"
#include "core/role.h"

#define AUTH_HASH_LEN   128 /* crypto_pwhash_STRBYTES */
#define AUTH_TOKEN_LEN  44  /* base64url of 32 random bytes, terminated */
#define AUTH_DIGEST_LEN 65  /* hex of a 32-byte digest, terminated */

/* Starts libsodium; CG_ERR if it cannot. */
int auth_init(void);

/* argon2id.  At most a few hashes run at once (each takes 12 MiB and tens
 * of milliseconds); further callers wait their turn. */
int auth_password_hash(const char *password, char out[AUTH_HASH_LEN]);
bool auth_password_verify(const char *hash, const char *password);
/* Whether a verified hash was made with other settings than today's and
 * should be made again from the password. */
bool auth_password_needs_rehash(const char *hash);

/* A password a person may choose: 8 to 128 bytes. */
int auth_password_check(const char *password, const char **why);

/* Password guessing: after AUTH_MAX_FAILURES failed sign-ins for one
 * username within AUTH_FAILURE_WINDOW seconds, further attempts are
 * refused until the window has passed.  Kept per process. */
#define AUTH_MAX_FAILURES   10
#define AUTH_FAILURE_WINDOW (15 * 60)

/* Seconds until username may try again, 0 if it may now. */
/* The key an account's failed sign-ins are counted under: a hash of the
 * username, in hex, so that the count names no one. */
#define AUTH_THROTTLE_KEY_LEN 17
void auth_throttle_key(const char *username, char out[AUTH_THROTTLE_KEY_LEN]);
/* How many seconds a sign-in must wait, given `failures` counted since
 * `since`: 0 to go ahead. */
int64_t auth_throttle_policy(int64_t since, int64_t failures, int64_t now);

/* A new random token (what the client keeps) and its digest (what the
 * database keeps). */
void auth_token_new(char token[AUTH_TOKEN_LEN]);
void auth_token_digest(const char *token, char digest[AUTH_DIGEST_LEN]);
bool auth_equal(const char *a, const char *b); /* constant time */

/* The caller as the permission check sees them. */
struct principal {
    int64_t user_id;
    enum role role;
    const char *area_path; /* scope; "" or NULL for residents */
    int64_t unit_id;
};

/* What a case looks like to the permission check. */
struct case_scope {
    const char *area_path;
    int64_t reporter_id;
    int64_t unit_id;
};

/* How much of a case a person may see. */
enum case_view {
    VIEW_NONE,   /* not at all */
    VIEW_PUBLIC, /* anonymised: no reporter, no exact address */
    VIEW_MASKED, /* staff who need the case but not the reporter's
                    phone: phone masked */
    VIEW_FULL    /* the reporter, and staff who contact residents */
};

/* Whether an area path lies within the principal's scope. */
bool perm_in_scope(const struct principal *p, const char *area_path);

/* How much of a case p may see. */
enum case_view perm_case_view(const struct principal *p,
                              const struct case_scope *c);

/*
 * Whether p may take action a on case c as far as area scope goes (the
 * lifecycle table decides role, state and guards).  On false *why is a
 * sentence for the person.
 */
bool perm_case_action(const struct principal *p, const struct case_scope *c,
                      enum case_action a, const char **why);

/* Actions outside cases. */
enum perm_op {
    PERM_STATS,      /* read figures for an area */
    PERM_USERS,      /* list and create users in an area */
    PERM_AREAS_EDIT, /* import and edit areas and categories */
    PERM_QUEUE       /* see the work queues of an area */
};

bool perm_allow(const struct principal *p, enum perm_op op,
                const char *area_path, const char **why);

/* A phone number with its middle hidden: 138****5678. */
void perm_mask_phone(const char *phone, char *out, size_t outlen);
/* A name with all but its first character hidden: 张** */
void perm_mask_name(const char *name, char *out, size_t outlen);
/*
 * Free text (a description, a note) with the numbers that identify a person
 * hidden in place: mobile and landline numbers, ID card and bank card
 * numbers - every run of seven or more digits, an ID card's final X
 * included.  Long runs keep their first three and last four digits
 * (138****5678), shorter ones their last two.  Dates and house numbers
 * are shorter and stay.  The text is changed in place; its length does
 * not change.  Returns how many numbers were hidden.
 */
size_t perm_mask_text(char *text);

#endif

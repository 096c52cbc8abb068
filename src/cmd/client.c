/*
 * client.c - `civicgrid client add NAME`: registering a program that
 * reports through Open311 GeoReport v2.  The key is printed once and kept
 * only as its digest, like a session token, so a copy of the database
 * gives no one a working key.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/cmd.h"

static void usage(void);

static void
usage(void)
{
    printf("Usage: civicgrid client add NAME [--db PATH]\n\n"
           "Registers an Open311 client (an app, a city's 311 system, a "
           "tool)\nand prints its api_key on standard output.  The key is "
           "shown only\nonce: the database keeps a digest of it.  NAME "
           "(1 to 100 bytes)\nis who the client is; cases it reports carry "
           "the channel \"open311\".\n");
}

int
cmd_client(int argc, char **argv)
{
    char key[AUTH_TOKEN_LEN], digest[AUTH_DIGEST_LEN];
    struct store *store;
    struct config cfg;
    struct app app;
    int64_t id;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    if (argc != 3 || strcmp(argv[1], "add") != 0) {
        usage();
        return 2;
    }
    if (strlen(argv[2]) < 1 || strlen(argv[2]) > 100 ||
        str_utf8_len(argv[2], strlen(argv[2])) < 0) {
        fprintf(stderr, "client add: NAME must be UTF-8 text of 1 to 100 "
                        "bytes\n");
        return 2;
    }
    if (auth_init() != CG_OK || cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    auth_token_new(key);
    auth_token_digest(key, digest);
    rc = store_client_add(store_db(store), argv[2], digest, cgtime_now(), &id);
    if (rc == CG_OK) {
        printf("%s\n", key);
        fprintf(stderr,
                "added Open311 client %s (id %lld); keep the key: it "
                "is not shown again\n",
                argv[2], (long long)id);
    } else {
        fprintf(stderr, "client add: the client could not be stored (%s)\n",
                cg_strerror(rc));
    }
    sodium_memzero(key, sizeof(key));
    app_free(&app);
    store_close(store);
    return rc == CG_OK ? 0 : 1;
}

/*
 * serve.c - `civicgrid serve`: the HTTP server until SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/cmd.h"

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* "https://tiles.example/{z}/{x}/{y}.png" -> "https://tiles.example". */
static void
tile_origin(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    const char *slash = p ? strchr(p + 3, '/') : NULL;
    size_t n = slash ? (size_t)(slash - url) : (p ? strlen(url) : 0);

    out[0] = '\0';
    if (n == 0 || n >= outlen || strcspn(url, " ;'\"") < n)
        return;
    memcpy(out, url, n);
    out[n] = '\0';
}

static bool
has_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int
cmd_serve(int argc, char **argv)
{
    struct http_server *srv = NULL;
    struct http_app http;
    struct store *store;
    struct config cfg;
    struct app app;
    char host[64], csp[600], origin[200], *colon;
    int64_t port;
    int rc;

    if (has_help(argc, argv)) {
        printf("Usage: civicgrid serve [--db PATH] [--listen HOST:PORT] "
               "[options]\n\nServes the web UI and the HTTP API until "
               "interrupted.\n\n");
        config_usage();
        return 0;
    }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    if (argc > 1) {
        fprintf(stderr, "serve: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    str_copy(host, sizeof(host), cfg.listen);
    colon = strrchr(host, ':');
    if (!colon || str_to_i64(colon + 1, 1, 65535, &port) != CG_OK) {
        fprintf(stderr, "serve: --listen must be HOST:PORT, e.g. "
                        "127.0.0.1:8080\n");
        return 2;
    }
    *colon = '\0';
    if (auth_init() != CG_OK || photo_init(argv[0]) != CG_OK) {
        fprintf(stderr, "serve: cannot start the crypto or image library\n");
        return 1;
    }
    if (cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    /* Map tiles, when configured, are the only outside content a page may
     * load. */
    tile_origin(cfg.tile_url, origin, sizeof(origin));
    str_fmt(csp, sizeof(csp),
            "default-src 'self'; img-src 'self' data: blob:%s%s; "
            "style-src 'self' 'unsafe-inline'; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'none'",
            origin[0] ? " " : "", origin);
    memset(&http, 0, sizeof(http));
    http.routes = api_routes;
    http.nroutes = api_nroutes;
    http.authenticate = api_authenticate;
    http.ctx = &app;
    http.static_dir = cfg.web_dir;
    http.photo_dir = app.blob_dir;
    http.csp = csp;
    http.default_max_body = 64 * 1024;
    http.threads = cfg.threads;
    rc = http_server_start(&http, host, (unsigned)port, &srv);
    if (rc != CG_OK) {
        fprintf(stderr,
                "serve: cannot listen on %s (is another server there?); "
                "choose another address with --listen HOST:PORT or "
                "CIVICGRID_LISTEN\n",
                cfg.listen);
        app_free(&app);
        store_close(store);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    log_info("msg=\"serving\" url=http://%s:%lld/ db=%s", host, (long long)port,
             cfg.db);
    printf("civicgrid is serving %s at http://%s:%lld/ (stop with Ctrl-C)\n",
           cfg.db, host, (long long)port);
    fflush(stdout);
    while (!stopping)
        pause();
    log_info("msg=\"stopping\"");
    http_server_stop(srv);
    app_free(&app);
    store_close(store);
    return 0;
}

int
cmd_migrate(int argc, char **argv)
{
    struct store *store;
    struct config cfg;
    struct app app;

    if (has_help(argc, argv)) {
        printf("Usage: civicgrid migrate [--db PATH]\n\nCreates the "
               "database or brings its schema up to date.\n");
        return 0;
    }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    if (argc > 1) {
        fprintf(stderr, "migrate: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    if (cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    printf("schema of %s is up to date\n", cfg.db);
    app_free(&app);
    store_close(store);
    return 0;
}

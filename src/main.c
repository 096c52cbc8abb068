/*
 * main.c - the civicgrid program: one binary, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "cmd/cmd.h"

/* The release, as package.json names it (a test holds the two equal). */
#define CIVICGRID_VERSION "0.1.0"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cmd_serve, "serve the web UI and the HTTP API"},
    {"migrate", cmd_migrate, "create or bring the database schema up to date"},
    {"demo", cmd_demo, "create a demo city with users and cases"},
    {"import", cmd_import,
     "import areas (GeoJSON), case history (JSONL) or a US 311 export"},
    {"user", cmd_user, "add users"},
    {"client", cmd_client, "register Open311 clients and print their keys"},
    {"train", cmd_train,
     "learn case categories from a CSV or from the database's closed cases"},
    {"classify", cmd_classify, "suggest the categories of cases in a CSV"},
    {"dedupe-eval", cmd_dedupe_eval,
     "measure the duplicate suggestion on a US 311 export"},
    {"backup", cmd_backup, "copy the database and photos while serving"},
    {"restore", cmd_restore, "put a backup back (servers stopped)"},
};

static void
usage(FILE *out)
{
    size_t i;

    fprintf(out, "civicgrid - community grid governance and citizen "
                 "requests\n\nUsage: civicgrid COMMAND [options]\n\n"
                 "Commands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'civicgrid COMMAND --help' for a command's "
                 "options, 'civicgrid --version' for the release.\n");
}

int
main(int argc, char **argv)
{
    size_t i;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("civicgrid %s\n", CIVICGRID_VERSION);
        return 0;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "civicgrid: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}

/* liteipcd - the LiteIPC broker daemon. */
#include "brk.h"
#include "lipc.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: liteipcd [OPTIONS]\n"
            "The LiteIPC broker: the stand-in for the LiteOS-A kernel's /dev/lite_ipc state.\n"
            "\n"
            "  -s, --socket PATH   listen on PATH (default: $LITEIPC_SOCKET, else\n"
            "                      /run/liteipc/liteipcd.sock for root,\n"
            "                      $XDG_RUNTIME_DIR/liteipc/liteipcd.sock otherwise)\n"
            "  -v, --verbose       log connections, deaths and CMS changes to stderr\n"
            "  -h, --help          show this help\n"
            "      --version       show the version\n"
            "\n"
            "Stops cleanly on SIGTERM or SIGINT.\n");
}

/* mkdir -p of the socket's directory */
static void make_parent_dirs(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        mkdir(buf, 0755);
        *p = '/';
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { 0, 0, 0, 0 },
    };
    char path[256] = "";
    int verbose = 0, c;
    while ((c = getopt_long(argc, argv, "s:vh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            snprintf(path, sizeof(path), "%s", optarg);
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("liteipcd 0.1.0 (LiteIPC driver version %d)\n", LITEIPC_DRIVER_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "liteipcd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!*path && lipc_socket_path(path, sizeof(path)) < 0) {
        fprintf(stderr, "liteipcd: socket path too long\n");
        return 1;
    }
    /* one descriptor per connection and per process: raise the soft limit */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    make_parent_dirs(path);
    struct brk *b;
    int r = brk_new(path, &b);
    if (r < 0) {
        fprintf(stderr, "liteipcd: cannot listen on %s: %s\n", path, strerror(-r));
        return 1;
    }
    b->verbose = verbose;
    if (verbose)
        fprintf(stderr, "liteipcd: listening on %s\n", path);
    r = brk_run(b);
    brk_free(b);
    if (r < 0) {
        fprintf(stderr, "liteipcd: %s\n", strerror(-r));
        return 1;
    }
    return 0;
}

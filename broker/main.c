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
            "  -m, --max-pool SIZE largest receive pool a process may map, in bytes\n"
            "                      (suffix K, M or G; default 16M; at most 1G).  The\n"
            "                      device's mmap stays at 256K as on LiteOS-A; larger\n"
            "                      pools come from lipc_pool_map().  A pool is also\n"
            "                      each sender's ring budget towards that process.\n"
            "  -v, --verbose       log connections, deaths and CMS changes to stderr\n"
            "  -h, --help          show this help\n"
            "      --version       show the version\n"
            "\n"
            "Stops cleanly on SIGTERM or SIGINT.\n");
}

/* "64K", "16M", "1G" or plain bytes; 0 if malformed or out of range. */
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return 0;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end || v > (LIPC_POOL_NATIVE_MAX >> shift))
        return 0;
    return (uint64_t)v << shift;
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
        { "max-pool", required_argument, NULL, 'm' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { 0, 0, 0, 0 },
    };
    char path[256] = "";
    int verbose = 0, c;
    uint64_t max_pool = LIPC_POOL_DEFAULT_MAX;
    while ((c = getopt_long(argc, argv, "s:m:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            max_pool = parse_size(optarg);
            if (max_pool < 4096) {
                fprintf(stderr, "liteipcd: bad --max-pool '%s' (4K..1G)\n", optarg);
                return 2;
            }
            break;
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
    b->max_pool = max_pool;
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

/*
 * foundation - the service host of samgr across processes (OpenHarmony
 * safwk_lite's "foundation" process), docs/SAMGR_REMOTE.md.
 *
 *   foundation --service-dir DIR [--ready-fd N] [--help]
 *
 * Loads every "*.so" in DIR (sorted by name) with dlopen(RTLD_NOW |
 * RTLD_GLOBAL): their init macros (SYS_SERVICE_INIT, SYS_FEATURE_INIT, ...)
 * register services and features while the library loads.  Then
 * SAMGR_Bootstrap() starts them; every feature API that answers
 * QueryInterface(SERVER_PROXY_VER) is registered with the samgr server and
 * served to other processes.
 *
 * Dynamic registration after boot: SIGHUP rescans DIR, loads the libraries
 * not loaded yet and calls SAMGR_Bootstrap() again, which starts the
 * services registered since.  Libraries are never unloaded (a removed file
 * stays loaded).  SIGTERM / SIGINT end the process (exit 0).
 *
 * --ready-fd N: writes "ready\n" to descriptor N after the first boot
 * (the features are registered with the samgr server asynchronously: use
 * lipc_samgr_wait_service to wait for one).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samgr_lite.h"

static char **g_loaded;
static size_t g_nloaded;

static int is_loaded(const char *name)
{
    for (size_t i = 0; i < g_nloaded; i++)
        if (strcmp(g_loaded[i], name) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads the new *.so files of dir; returns how many were loaded. */
static int scan(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "foundation: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0 || is_loaded(e->d_name))
            continue;
        char **nv = realloc(names, (n + 1) * sizeof(*nv));
        if (!nv)
            break;
        names = nv;
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    int loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        void *h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
        char **nv = realloc(g_loaded, (g_nloaded + 1) * sizeof(*nv));
        if (nv) {
            g_loaded = nv;
            g_loaded[g_nloaded++] = names[i];   /* a failed one is not retried either */
        } else {
            free(names[i]);
        }
        if (!h) {
            fprintf(stderr, "foundation: dlopen %s: %s\n", path, dlerror());
            continue;
        }
        printf("foundation: loaded %s\n", path);
        loaded++;
    }
    free(names);
    fflush(stdout);
    return loaded;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: foundation --service-dir DIR [--ready-fd N] [--help]\n"
            "The service host of samgr across processes (safwk_lite foundation).\n"
            "Loads every *.so in DIR (their init macros register services and features),\n"
            "boots samgr and serves the exported features to other processes through the\n"
            "samgr server (samgr_server must run, and the broker liteipcd).\n"
            "  --service-dir DIR  directory of service libraries\n"
            "  --ready-fd N       write \"ready\\n\" to descriptor N after the first boot\n"
            "Signals: SIGHUP loads the libraries added to DIR since and boots them;\n"
            "SIGTERM/SIGINT exit.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"service-dir", required_argument, NULL, 'd'},
        {"ready-fd", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    int ready_fd = -1, c;
    while ((c = getopt_long(argc, argv, "d:r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'r':
            ready_fd = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!dir || optind != argc) {
        usage(stderr);
        return 2;
    }
    /* every thread (samgr's, the IPC library's, the libraries') inherits
     * this mask: the signals are taken by sigwait below only */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    if (scan(dir) < 0)
        return 1;
    SAMGR_Bootstrap();
    printf("foundation: booted (pid %d)\n", (int)getpid());
    fflush(stdout);
    if (ready_fd >= 0) {
        if (write(ready_fd, "ready\n", 6) != 6)
            perror("foundation: ready-fd");
        close(ready_fd);
    }
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            int k = scan(dir);
            if (k > 0)
                SAMGR_Bootstrap();
            printf("foundation: rescanned %s: %d new librar%s\n", dir, k < 0 ? 0 : k, k == 1 ? "y" : "ies");
            fflush(stdout);
            continue;
        }
        printf("foundation: exiting (signal %d)\n", sig);
        fflush(stdout);
        _exit(0);   /* samgr and IPC threads are running: no exit handlers */
    }
}

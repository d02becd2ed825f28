/*
 * Leaks: 1000 short-lived client processes, each opens, maps and makes a
 * call to the CMS (this process), then
 *   mode 0: exits normally;
 *   mode 1: is SIGKILLed after its call;
 *   mode 2: runs a second thread that makes a call and exits, then exits;
 *   mode 3: is SIGKILLed in the middle of a call (the CMS holds it), after
 *           which the CMS replies into the void (EINVAL or 0).
 * Afterwards the broker AND this process (the server of all those calls)
 * have exactly their baseline number of descriptors, threads, memfd
 * descriptors and memfd:liteipc mappings: nothing set up for a client
 * outlives it.  LEAK_DUMP=1 prints what this process has left over.
 */
#include "lipc_dev_util.h"

#include <stdbool.h>

enum { C_PING = 1, C_HOLD, C_QUIT };
enum { EV_READY = 0x100, EV_GOT, EV_RES = 0x1000 };

#define CYCLES 1000

static struct lipc_test_broker g_brk;
static struct tsync g_ev, g_go;
static int g_fd;

static void *cms_thread(void *arg)
{
    (void)arg;
    CHECK_EQ(lipc_dev_ioctl(g_fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    tsync_post(&g_ev, EV_READY);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(g_fd, in), 0);
            return NULL;
        }
        if (in->code == C_HOLD) {
            tsync_post(&g_ev, EV_GOT);
            CHECK_EQ(tsync_wait_t(&g_go, 10000), 1);
            int r = tdev_reply(g_fd, in, MT_REPLY, "x", 1);
            tsync_post(&g_ev, (uint32_t)(EV_RES - r));
            if (r)
                CHECK_EQ(tdev_free(g_fd, in), -EFAULT);
            continue;
        }
        CHECK_EQ(tdev_reply(g_fd, in, MT_REPLY, &in->processID, 4), 0);
    }
}

static int g_cfd;

static void ping(int fd)
{
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, C_PING, NULL, 0, &in), 0);
    CHECK_EQ(*(uint32_t *)in->data, getpid());
    CHECK_EQ(tdev_free(fd, in), 0);
}

static void *thread_ping(void *arg)
{
    (void)arg;
    ping(g_cfd);
    return NULL;
}

static int client(void *arg)
{
    int mode = (int)(intptr_t)arg;
    g_cfd = tdev_open_map(16 * 4096);
    if (mode == 3) {
        IpcMsg *in = NULL;
        tdev_call(g_cfd, 0, C_HOLD, NULL, 0, &in);
        return 99;                      /* killed before */
    }
    ping(g_cfd);
    if (mode == 2)
        tthread_join(tthread(thread_ping, NULL));
    if (mode == 1) {
        tsync_post(&g_ev, EV_READY);
        for (;;)
            pause();
    }
    return 0;
}

struct res { int fds, tasks, memfds, maps; };

static struct res measure(pid_t pid)
{
    struct res r = { tproc_count(pid, "fd"), tproc_count(pid, "task"), 0, 0 };
    char path[64], link[256];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    CHECK(d != NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[400];
        snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
        ssize_t n = readlink(p, link, sizeof(link) - 1);
        if (n > 0) {
            link[n] = 0;
            if (strncmp(link, "/memfd:", 7) == 0)
                r.memfds++;
        }
    }
    closedir(d);
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char line[512];
    while (fgets(line, sizeof(line), f))
        if (strstr(line, "memfd:liteipc"))
            r.maps++;
    fclose(f);
    return r;
}

static bool same(struct res a, struct res b)
{
    return a.fds == b.fds && a.tasks == b.tasks && a.memfds == b.memfds && a.maps == b.maps;
}

static void print(const char *who, const char *when, struct res r)
{
    printf("%s %s: %d fds (%d memfd), %d threads, %d memfd:liteipc mappings\n", who, when, r.fds, r.memfds,
           r.tasks, r.maps);
}

static void cycle(int i)
{
    int mode = i % 4;
    pid_t c = tfork(client, (void *)(intptr_t)mode);
    if (mode == 1) {
        CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_READY);
        kill(c, SIGKILL);
        CHECK_EQ(lipc_test_wait_t(c, 10000), 128 + SIGKILL);
    } else if (mode == 3) {
        CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_GOT);
        kill(c, SIGKILL);
        CHECK_EQ(lipc_test_wait_t(c, 10000), 128 + SIGKILL);
        tsync_post(&g_go, 1);
        uint32_t ev = tsync_wait_t(&g_ev, 10000);
        CHECK(ev == EV_RES || ev == EV_RES + EINVAL);
    } else {
        CHECK_EQ(lipc_test_wait_t(c, 10000), 0);
    }
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ev);
    tsync_init(&g_go);
    g_fd = tdev_open_map(256 * 1024);
    pthread_t ct = tthread(cms_thread, NULL);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), EV_READY);
    /* warm up: one cycle of each mode, then the baseline */
    for (int i = 0; i < 4; i++)
        cycle(i);
    usleep(100 * 1000);
    struct res b0 = measure(g_brk.pid), s0 = measure(getpid());
    print("broker", "baseline", b0);
    print("server", "baseline", s0);

    long long t0 = lipc_test_now_ms();
    for (int i = 0; i < CYCLES; i++)
        cycle(i);
    long long dt = lipc_test_now_ms() - t0;
    printf("%d client processes in %lld ms\n", CYCLES, dt);

    /* deaths are processed asynchronously: give them up to 3 s */
    struct res b1, s1;
    for (int i = 0; i < 300; i++) {
        b1 = measure(g_brk.pid);
        s1 = measure(getpid());
        if (same(b0, b1) && same(s0, s1))
            break;
        usleep(10000);
    }
    if (getenv("LEAK_DUMP")) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "ls -l /proc/%d/fd | awk '{print $NF}' | sed 's/[0-9]*//g' | sort | uniq -c >&2", getpid());
        CHECK(system(cmd) == 0);
        snprintf(cmd, sizeof(cmd), "grep memfd /proc/%d/maps | awk '{print $2, $6, $7}' | sort | uniq -c >&2", getpid());
        CHECK(system(cmd) == 0);
    }
    print("broker", "after", b1);
    print("server", "after", s1);
    CHECK_EQ(b1.fds, b0.fds);
    CHECK_EQ(b1.memfds, b0.memfds);
    CHECK_EQ(b1.maps, b0.maps);
    CHECK_EQ(b1.tasks, b0.tasks);
    CHECK_EQ(s1.fds, s0.fds);
    CHECK_EQ(s1.memfds, s0.memfds);
    CHECK_EQ(s1.maps, s0.maps);
    CHECK_EQ(s1.tasks, s0.tasks);

    CHECK_EQ(tdev_oneway(g_fd, 0, C_QUIT, NULL, 0), 0);
    tthread_join(ct);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_leak: ok\n");
    return 0;
}

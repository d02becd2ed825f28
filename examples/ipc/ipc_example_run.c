/*
 * ipc_example_run: runs the ipc examples together (the "examples_ipc" ctest).
 *   ipc_example_run <ipc_samgr> <ipc_calc_server> <ipc_calc_client>
 * Starts a private broker, then the service manager, the server and the
 * client, each once the previous one said "ready"; when the client says
 * "armed" it kills the server (SIGTERM) and expects the client to see its
 * death recipient fire, ask the service manager to quit, and everybody to
 * exit 0.  Their output is copied to stdout.
 */
#include <poll.h>

#include "lipc_test.h"

struct child { pid_t pid; int out; char buf[8192]; size_t len; };

static void spawn(struct child *c, const char *path)
{
    int p[2];
    CHECK(pipe(p) == 0);
    c->len = 0;
    c->pid = lipc_test_fork();
    CHECK(c->pid >= 0);
    if (c->pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    c->out = p[0];
}

/* Copies c's output until it contains word (or EOF / timeout: abort). */
static void expect(struct child *c, const char *word, int timeout_ms)
{
    long long end = lipc_test_now_ms() + timeout_ms;
    for (;;) {
        c->buf[c->len] = 0;
        if (strstr(c->buf, word))
            return;
        struct pollfd p = { .fd = c->out, .events = POLLIN };
        long long left = end - lipc_test_now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            fprintf(stderr, "no \"%s\" within %d ms\n", word, timeout_ms);
            abort();
        }
        ssize_t n = read(c->out, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
        if (n <= 0) {
            fprintf(stderr, "output ended before \"%s\"\n", word);
            abort();
        }
        fwrite(c->buf + c->len, 1, (size_t)n, stdout);
        c->len += (size_t)n;
    }
}

static int finish(struct child *c)
{
    char b[4096];
    ssize_t n;
    while ((n = read(c->out, b, sizeof(b))) > 0)
        fwrite(b, 1, (size_t)n, stdout);
    close(c->out);
    return lipc_test_wait(c->pid);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ipc_samgr ipc_calc_server ipc_calc_client\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    struct lipc_test_broker brk;
    lipc_test_broker_start(&brk);
    usleep(50000);      /* the socket exists at bind(), listen() follows */
    static struct child sm, srv, cli;
    spawn(&sm, argv[1]);
    expect(&sm, "samgr: ready", 10000);
    spawn(&srv, argv[2]);
    expect(&srv, "server: ready", 10000);
    spawn(&cli, argv[3]);
    expect(&cli, "client: armed", 10000);
    CHECK(kill(srv.pid, SIGTERM) == 0);
    CHECK_EQ(finish(&srv), 128 + SIGTERM);
    expect(&cli, "client: done", 10000);
    CHECK_EQ(finish(&cli), 0);
    expect(&sm, "samgr: bye", 10000);
    CHECK_EQ(finish(&sm), 0);
    CHECK_EQ(lipc_test_broker_stop(&brk), 0);
    printf("examples: ok\n");
    return 0;
}

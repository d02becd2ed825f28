/*
 * Minimal test support shared by all test programs.
 *  - CHECK*(): assertions that print file:line and abort the test process
 *    (with a non-zero exit code) on failure.
 *  - lipc_test_broker_start/stop(): a private liteipcd per test, listening on
 *    a socket in a fresh temporary directory; LITEIPC_SOCKET is set so that
 *    everything the test (and its forked children) does talks to it.
 */
#ifndef LIPC_TEST_H
#define LIPC_TEST_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s (errno=%d %s)\n", __FILE__, \
                    __LINE__, #cond, errno, strerror(errno));                    \
            fflush(stderr);                                                      \
            abort();                                                             \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        long long _a = (long long)(a), _b = (long long)(b);                      \
        if (_a != _b) {                                                          \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n",   \
                    __FILE__, __LINE__, #a, _a, #b, _b);                         \
            fflush(stderr);                                                      \
            abort();                                                             \
        }                                                                        \
    } while (0)

/* ioctl-style: expect -1 with errno == e */
#define CHECK_ERRNO(expr, e)                                                     \
    do {                                                                         \
        errno = 0;                                                               \
        long long _r = (long long)(expr);                                        \
        if (_r != -1 || errno != (e)) {                                          \
            fprintf(stderr, "%s:%d: %s: expected -1/%s, got %lld errno=%d (%s)\n", \
                    __FILE__, __LINE__, #expr, #e, _r, errno, strerror(errno));  \
            fflush(stderr);                                                      \
            abort();                                                             \
        }                                                                        \
    } while (0)

static inline long long lipc_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct lipc_test_broker {
    pid_t pid;
    char dir[256];
    char sock[300];
};

#ifndef LIPC_BROKER_PATH
#define LIPC_BROKER_PATH "liteipcd"
#endif

/* Starts a private broker with an extra option (opt, val: NULL for none);
 * returns 0 or aborts. */
static inline int lipc_test_broker_start_opt(struct lipc_test_broker *b, const char *opt, const char *val)
{
    snprintf(b->dir, sizeof(b->dir), "/tmp/lipc-test-XXXXXX");
    CHECK(mkdtemp(b->dir) != NULL);
    snprintf(b->sock, sizeof(b->sock), "%s/liteipcd.sock", b->dir);
    setenv("LITEIPC_SOCKET", b->sock, 1);
    b->pid = fork();
    CHECK(b->pid >= 0);
    if (b->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);      /* never outlive a crashed test */
        const char *bin = getenv("LIPC_TEST_BROKER");
        if (!bin)
            bin = LIPC_BROKER_PATH;
        execl(bin, "liteipcd", "--socket", b->sock, opt, val, (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {          /* up to 5 s (sanitizer builds are slow) */
        struct stat st;
        if (stat(b->sock, &st) == 0)
            return 0;
        int status;
        if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
            fprintf(stderr, "broker exited early (status %d)\n", status);
            abort();
        }
        usleep(10000);
    }
    fprintf(stderr, "broker did not come up\n");
    abort();
}

/* Starts a private broker; returns 0 or aborts. */
static inline int lipc_test_broker_start(struct lipc_test_broker *b)
{
    return lipc_test_broker_start_opt(b, NULL, NULL);
}

/* Stops the broker (SIGTERM), checks it exited cleanly, removes the dir. */
static inline int lipc_test_broker_stop(struct lipc_test_broker *b)
{
    int status = 0;
    if (b->pid > 0) {
        kill(b->pid, SIGTERM);
        CHECK(waitpid(b->pid, &status, 0) == b->pid);
        b->pid = 0;
    }
    unlink(b->sock);
    rmdir(b->dir);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* fork() for test children: the child is killed if the test process dies
 * (a failed CHECK must not leave processes behind or hang ctest). */
static inline pid_t lipc_test_fork(void)
{
    pid_t ppid = getpid();
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != ppid)
            _exit(99);
    }
    return p;
}

/* Starts a daemon that says it is ready by writing "ready\n" to the
 * descriptor given by --ready-fd (samgr_server, foundation): argv (argv[0]
 * the binary's path, at most 12 entries, NULL-terminated) gets
 * "--ready-fd N" appended.  The child dies with the caller.  Returns its
 * pid once it is ready, or -1 (the daemon failed or closed the descriptor
 * without a word). */
static inline pid_t lipc_test_spawn_ready(const char *const *argv)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = lipc_test_fork();
    if (pid == 0) {
        close(p[0]);
        char fd[16];
        snprintf(fd, sizeof(fd), "%d", p[1]);
        const char *av[16];
        int n = 0;
        while (argv[n] && n < 12) {
            av[n] = argv[n];
            n++;
        }
        av[n++] = "--ready-fd";
        av[n++] = fd;
        av[n] = NULL;
        execv(av[0], (char **)av);
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    char buf[8] = { 0 };
    ssize_t r = read(p[0], buf, sizeof(buf));
    close(p[0]);
    if (r != 6 || memcmp(buf, "ready\n", 6) != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* Waits for a child and returns its exit code (128+sig if killed). */
static inline int lipc_test_wait(pid_t pid)
{
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif

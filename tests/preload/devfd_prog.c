/*
 * devfd_prog.c - how the preload library keeps track of device descriptors
 * when a program manipulates its descriptor table: dup/dup2/dup3, implicit
 * closes (dup2 onto the device, close_range, closefrom), descriptor reuse,
 * many threads, fork, munmap of the pool.  Run by test_preload under the
 * normal library and under a variant whose bitmap covers only 64
 * descriptors, so that the overflow list is used as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "lite_ipc.h"

/* glibc entry points that only _FORTIFY_SOURCE declares */
extern int __open_2(const char *path, int flags);
extern int __open64_2(const char *path, int flags);
extern int __openat_2(int dirfd, const char *path, int flags);
extern int __openat64_2(int dirfd, const char *path, int flags);
extern ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "devfd_prog[%d] %s:%d: CHECK failed: %s (errno=%d %s)\n", \
                    (int)getpid(), __FILE__, __LINE__, #cond, errno, strerror(errno)); \
            _exit(1);                                                                \
        }                                                                            \
    } while (0)

#define CHECK_FAIL(expr, e)                                                          \
    do {                                                                             \
        errno = 0;                                                                   \
        long _r = (long)(expr);                                                      \
        if (_r != -1 || errno != (e)) {                                              \
            fprintf(stderr, "devfd_prog[%d] %s:%d: %s: expected -1/%s, got %ld errno=%d (%s)\n", \
                    (int)getpid(), __FILE__, __LINE__, #expr, #e, _r, errno, strerror(errno)); \
            _exit(1);                                                                \
        }                                                                            \
    } while (0)

static int is_device(int fd)
{
    IpcVersion v = { 0 };
    return ioctl(fd, IPC_GET_VERSION, &v) == 0 && v.driverVersion == 2;
}

static int open_dev(void)
{
    int fd = open(LITEIPC_DRIVER, O_RDWR);
    CHECK(fd >= 0);
    return fd;
}

/* an ordinary descriptor at the number the device just gave up */
static void check_plain_at(int fd)
{
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(p[0] == fd || p[1] == fd);
    CHECK(write(p[1], "ab", 2) == 2);
    char b[2];
    CHECK(read(p[0], b, 2) == 2 && b[0] == 'a');
    CHECK_FAIL(ioctl(fd, IPC_GET_VERSION, &(IpcVersion){ 0 }), ENOTTY);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
}

/* ---- threads: ordinary I/O while device descriptors come and go -------- */

static atomic_int g_stop;

static void *pipe_io(void *arg)
{
    (void)arg;
    int p[2];
    CHECK(pipe(p) == 0);
    unsigned long n = 0;
    do {                                /* at least once, however late we start */
        char b[16];
        CHECK(write(p[1], "0123456789", 10) == 10);
        CHECK(read(p[0], b, sizeof(b)) == 10 && memcmp(b, "0123456789", 10) == 0);
        int avail = -1;
        CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 0);
        n++;
    } while (!atomic_load(&g_stop));
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
    CHECK(n > 0);
    return NULL;
}

static void *dev_churn(void *arg)
{
    (void)arg;
    for (int i = 0; i < 300; i++) {
        int fd = open_dev();
        CHECK(is_device(fd));
        char b;
        CHECK_FAIL(read(fd, &b, 1), EINVAL);
        CHECK(close(fd) == 0);
    }
    return NULL;
}

int main(void)
{
    /* DEVFD_FILL: push descriptors past the bitmap of the small-map variant */
    int filler[80];
    int nfill = getenv("DEVFD_FILL") ? 80 : 0;
    for (int i = 0; i < nfill; i++)
        CHECK((filler[i] = open("/dev/null", O_RDONLY)) >= 0);

    int fd = open_dev();
    CHECK(fd >= 0);
    CHECK(!nfill || fd >= 80);
    size_t len = 8 * 4096;
    char *pool = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(pool != MAP_FAILED);
    CHECK(is_device(fd));

    /* the pool cannot be unmapped, not even in part or by an overlapping range */
    CHECK_FAIL(munmap(pool, len), EINVAL);
    CHECK_FAIL(munmap(pool + 4096, 4096), EINVAL);
    CHECK_FAIL(munmap(pool - 4096, 8192), EINVAL);
    CHECK(*(volatile char *)pool == 0 || 1);        /* still mapped (would fault) */
    /* an anonymous mapping ignores the descriptor, even the device's */
    char *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);
    CHECK(anon != MAP_FAILED);
    anon[0] = 1;
    CHECK(munmap(anon, 4096) == 0);

    /* the other ways glibc programs reach open (LFS, _FORTIFY_SOURCE) */
    int dfd = open("/dev", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int alt[6] = {
        open64(LITEIPC_DRIVER, O_RDWR),
        openat64(AT_FDCWD, LITEIPC_DRIVER, O_RDWR),
        __open_2(LITEIPC_DRIVER, O_RDWR),
        __open64_2(LITEIPC_DRIVER, O_RDWR),
        __openat_2(dfd, LITEIPC_DRIVER, O_RDWR),
        __openat64_2(AT_FDCWD, LITEIPC_DRIVER, O_RDWR),
    };
    for (int i = 0; i < 6; i++) {
        CHECK(alt[i] >= 0 && is_device(alt[i]));
        CHECK(__read_chk(alt[i], &(char){ 0 }, 1, 1) == -1 && errno == EINVAL);
        CHECK(close(alt[i]) == 0);
    }
    /* only the exact path is the device */
    CHECK_FAIL(openat(dfd, "lite_ipc", O_RDWR), ENOENT);
    CHECK_FAIL(open("/dev//lite_ipc", O_RDWR), ENOENT);
    CHECK(close(dfd) == 0);

    /* dup gives another device descriptor; dup2/dup3 from the device cannot */
    int d = dup(fd);
    CHECK(d >= 0 && d != fd && is_device(d));
    CHECK(close(d) == 0);
    CHECK_FAIL(dup2(fd, 200), ENOTSUP);
    CHECK_FAIL(dup3(fd, 200, O_CLOEXEC), ENOTSUP);
    CHECK_FAIL(fcntl(200, F_GETFD), EBADF);
    CHECK(dup2(fd, fd) == fd && is_device(fd));

    /* dup2 onto a device descriptor closes the device there */
    int d2 = open_dev();
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(dup2(p[0], d2) == d2);
    CHECK(write(p[1], "x", 1) == 1);
    char c;
    CHECK(read(d2, &c, 1) == 1 && c == 'x');          /* the pipe now, not the device */
    CHECK_FAIL(ioctl(d2, IPC_GET_VERSION, &(IpcVersion){ 0 }), ENOTTY);
    CHECK(close(d2) == 0 && close(p[0]) == 0 && close(p[1]) == 0);
    int d3 = open_dev();
    CHECK(pipe(p) == 0);
    CHECK(dup3(p[1], d3, O_CLOEXEC) == d3);
    CHECK(write(d3, "y", 1) == 1);
    CHECK(read(p[0], &c, 1) == 1 && c == 'y');
    CHECK(close(d3) == 0 && close(p[0]) == 0 && close(p[1]) == 0);

    /* close_range / closefrom close device descriptors too */
    int hi = open_dev();
    CHECK(close_range((unsigned)hi, (unsigned)hi, CLOSE_RANGE_CLOEXEC) == 0);
    CHECK(is_device(hi));                           /* only marked close-on-exec */
    CHECK(close_range((unsigned)hi, ~0u, 0) == 0);
    CHECK_FAIL(fcntl(hi, F_GETFD), EBADF);
    check_plain_at(hi);
    hi = open_dev();
    closefrom(hi);
    CHECK_FAIL(fcntl(hi, F_GETFD), EBADF);
    check_plain_at(hi);
    CHECK(is_device(fd));

    /* threads: device descriptors come and go while others do pipe I/O */
    pthread_t io[3], churn[2];
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&io[i], NULL, pipe_io, NULL) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&churn[i], NULL, dev_churn, NULL) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_join(churn[i], NULL) == 0);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < 3; i++)
        CHECK(pthread_join(io[i], NULL) == 0);

    /* fork: the descriptor is inherited, the state is fresh */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK_FAIL(ioctl(fd, IPC_GET_VERSION, &(IpcVersion){ 0 }), ENOMEM);
        CHECK_FAIL(read(fd, &c, 1), EINVAL);
        char *pool2 = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
        CHECK(pool2 != MAP_FAILED);
        CHECK(is_device(fd));
        CHECK_FAIL(munmap(pool2, 4096), EINVAL);
        CHECK(close(fd) == 0);
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(is_device(fd));

    CHECK(close(fd) == 0);
    CHECK_FAIL(close(fd), EBADF);
    for (int i = 0; i < nfill; i++)
        CHECK(close(filler[i]) == 0);
    printf("devfd_prog%s: ok\n", nfill ? " (high descriptors)" : "");
    return 0;
}

/*
 * fileio_prog.c - an ordinary program (no LiteIPC at all): its file I/O must
 * behave exactly as without the preload library.  Run by test_preload with
 * LD_PRELOAD=libliteipc_preload.so and LITEIPC_SOCKET pointing at a regular
 * file (so that nothing could talk to a broker).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lite_ipc.h"           /* only for LITEIPC_DRIVER */

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fileio_prog %s:%d: CHECK failed: %s (errno=%d %s)\n",  \
                    __FILE__, __LINE__, #cond, errno, strerror(errno));              \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

#define CHECK_FAIL(expr, e)                                                          \
    do {                                                                             \
        errno = 0;                                                                   \
        long _r = (long)(expr);                                                      \
        if (_r != -1 || errno != (e)) {                                              \
            fprintf(stderr, "fileio_prog %s:%d: %s: expected -1/%s, got %ld errno=%d (%s)\n", \
                    __FILE__, __LINE__, #expr, #e, _r, errno, strerror(errno));      \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

/* glibc entry points a program compiled with _FORTIFY_SOURCE calls. */
extern int __open_2(const char *path, int flags);
extern int __openat_2(int dirfd, const char *path, int flags);
extern ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

static const char text[] = "hello, ordinary file\n";
#define TLEN ((ssize_t)sizeof(text) - 1)

static void check_content(int fd)
{
    char b[64] = { 0 };
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(read(fd, b, sizeof(b)) == TLEN);
    CHECK(memcmp(b, text, TLEN) == 0);
}

static void *thread_io(void *arg)
{
    const char *path = arg;
    for (int i = 0; i < 1000; i++) {
        int fd = open(path, O_RDONLY);
        CHECK(fd >= 0);
        check_content(fd);
        CHECK(close(fd) == 0);
    }
    return NULL;
}

int main(void)
{
    /* make sure we really run under the preload library */
    CHECK(getenv("LD_PRELOAD") != NULL);
    CHECK(dlsym(RTLD_DEFAULT, "lipc_dev_open") != NULL);

    char dir[] = "/tmp/lipc-preload-io-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], path2[128];
    snprintf(path, sizeof(path), "%s/file", dir);
    snprintf(path2, sizeof(path2), "%s/stdio", dir);

    /* open with O_CREAT: the mode argument gets through */
    umask(022);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0640);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK(write(fd, text, TLEN) == TLEN);
    check_content(fd);
    CHECK_FAIL(open(path, O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);

    /* the other open entry points */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int more[5] = {
        open64(path, O_RDONLY),
        openat(AT_FDCWD, path, O_RDONLY),
        openat(dfd, "file", O_RDONLY),
        __open_2(path, O_RDONLY),
        __openat_2(dfd, "file", O_RDONLY),
    };
    for (int i = 0; i < 5; i++) {
        CHECK(more[i] >= 0);
        check_content(more[i]);
        char b[8];
        CHECK(lseek(more[i], 0, SEEK_SET) == 0);
        CHECK(__read_chk(more[i], b, 5, sizeof(b)) == 5 && memcmp(b, text, 5) == 0);
        CHECK(close(more[i]) == 0);
    }
    int tf = openat(dfd, ".", O_TMPFILE | O_RDWR, 0600);   /* mode argument of O_TMPFILE */
    if (tf >= 0) {
        CHECK(fstat(tf, &st) == 0 && (st.st_mode & 0777) == 0600);
        CHECK(close(tf) == 0);
    } else {
        CHECK(errno == EOPNOTSUPP || errno == EISDIR);      /* fs without O_TMPFILE */
    }
    CHECK(close(dfd) == 0);

    /* errors are the kernel's */
    CHECK_FAIL(open("/nonexistent/x", O_RDONLY), ENOENT);
    CHECK_FAIL(open(LITEIPC_DRIVER "x", O_RDONLY), ENOENT);   /* only the exact path is the device */
    CHECK_FAIL(close(-1), EBADF);
    CHECK_FAIL(read(-1, NULL, 0), EBADF);
    CHECK_FAIL(write(12345, "x", 1), EBADF);
    CHECK_FAIL(ioctl(fd, TCGETS, NULL), ENOTTY);
    CHECK_FAIL(ioctl(-1, FIONREAD, NULL), EBADF);

    /* ioctl with an argument on an ordinary descriptor */
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "12345", 5) == 5);
    int avail = -1;
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 5);
    char b5[5];
    CHECK(read(p[0], b5, 5) == 5 && memcmp(b5, "12345", 5) == 0);

    /* mmap of a regular file, shared, written through the mapping */
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    CHECK(memcmp(m, text, TLEN) == 0);
    m[0] = 'H';
    CHECK(msync(m, 4096, MS_SYNC) == 0);
    CHECK(munmap(m, 4096) == 0);
    char b[64] = { 0 };
    CHECK(pread(fd, b, sizeof(b), 0) == TLEN && b[0] == 'H');
    CHECK(pwrite(fd, "h", 1, 0) == 1);
    char *m64 = mmap64(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(m64 != MAP_FAILED && memcmp(m64, text, TLEN) == 0);
    CHECK(munmap(m64, 4096) == 0);
    /* the offset gets through */
    CHECK(pwrite(fd, "page2", 5, 4096) == 5);
    m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    CHECK(m != MAP_FAILED && memcmp(m, "page2", 5) == 0);
    CHECK(munmap(m, 4096) == 0);
    m64 = mmap64(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
    CHECK(m64 != MAP_FAILED && memcmp(m64, "page2", 5) == 0);
    CHECK(munmap(m64, 4096) == 0);
    CHECK(ftruncate(fd, TLEN) == 0);
    /* anonymous mappings (also with a stray fd, which the kernel ignores) */
    char *a = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    memset(a, 7, 1 << 20);
    CHECK(munmap(a, 1 << 20) == 0);
    a = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);
    CHECK(a != MAP_FAILED && munmap(a, 4096) == 0);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, -1, 0) == MAP_FAILED && errno == EBADF);
    CHECK_FAIL(munmap((void *)1, 4096), EINVAL);

    /* dup family and bulk close */
    int d1 = dup(fd);
    CHECK(d1 >= 0);
    check_content(d1);
    int d2 = dup2(fd, 100);
    CHECK(d2 == 100);
    check_content(d2);
    CHECK(dup2(fd, fd) == fd);
    int d3 = dup3(fd, 101, O_CLOEXEC);
    CHECK(d3 == 101 && (fcntl(d3, F_GETFD) & FD_CLOEXEC));
    CHECK(close_range(100, 101, 0) == 0);
    CHECK_FAIL(close(100), EBADF);
    CHECK_FAIL(close(101), EBADF);
    CHECK(close(d1) == 0);

    /* the device itself: intercepted, and without a broker the open fails
     * with the runtime's error (LITEIPC_SOCKET is a regular file here) */
    CHECK_FAIL(open(LITEIPC_DRIVER, O_RDWR), ECONNREFUSED);

    /* stdio (libc-internal opens, reads and writes) */
    FILE *f = fopen(path2, "w+");
    CHECK(f != NULL);
    CHECK(fprintf(f, "%s", text) == TLEN);
    CHECK(fflush(f) == 0);
    rewind(f);
    CHECK(fgets(b, sizeof(b), f) != NULL && strcmp(b, text) == 0);
    CHECK(fclose(f) == 0);

    /* threads and a fork child doing file I/O at the same time */
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, thread_io, path) == 0);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        thread_io(path);
        _exit(0);
    }
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    int wst;
    CHECK(waitpid(c, &wst, 0) == c && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);

    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0 && unlink(path2) == 0 && rmdir(dir) == 0);
    printf("fileio_prog: ok\n");
    return 0;
}

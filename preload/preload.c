/*
 * preload.c - libliteipc_preload.so: run a program written for the LiteOS-A
 * /dev/lite_ipc driver unchanged on Linux (LD_PRELOAD).
 *
 * open*() of LITEIPC_DRIVER becomes lipc_dev_open(); mmap/ioctl/read/write/
 * close/dup on the descriptors it returned go to the lipc_dev_*() functions;
 * everything else goes to the next definition (libc) via dlsym(RTLD_NEXT).
 *
 * Cost for ordinary descriptors: one relaxed atomic load of a bit in a
 * process-local bitmap (no lock, no call into the runtime).
 *
 * fork: nothing to do here.  libliteipc's pthread_atfork handler gives the
 * child a fresh, unmapped LiteIPC state (ioctl -> ENOMEM until the child maps
 * again, as on LiteOS-A); the device descriptors themselves are inherited,
 * and so is this bitmap, which is exactly right.  The only local state that
 * depends on the process is the recorded pool range (see munmap), which is
 * tagged with the pid that mapped it.
 *
 * See README.md for what is and is not intercepted.
 */
#undef _FORTIFY_SOURCE            /* we define open/read themselves */
#include "lipc.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PL_EXPORT __attribute__((visibility("default")))

/* Declarations glibc only makes under _FORTIFY_SOURCE or not at all. */
PL_EXPORT int __open_2(const char *path, int flags);
PL_EXPORT int __open64_2(const char *path, int flags);
PL_EXPORT int __openat_2(int dirfd, const char *path, int flags);
PL_EXPORT int __openat64_2(int dirfd, const char *path, int flags);
PL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
PL_EXPORT int close_range(unsigned int first, unsigned int last, int flags);
PL_EXPORT void closefrom(int lowfd);

/* ---- the real functions ------------------------------------------------- */

enum {
    R_OPEN, R_OPEN64, R_OPENAT, R_OPENAT64, R_OPEN_2, R_OPEN64_2, R_OPENAT_2, R_OPENAT64_2,
    R_MMAP, R_MMAP64, R_MUNMAP, R_IOCTL, R_READ, R_READ_CHK, R_WRITE, R_CLOSE,
    R_DUP, R_DUP2, R_DUP3, R_CLOSE_RANGE, R_CLOSEFROM, R_NUM
};
static const char *const real_names[R_NUM] = {
    "open", "open64", "openat", "openat64", "__open_2", "__open64_2", "__openat_2", "__openat64_2",
    "mmap", "mmap64", "munmap", "ioctl", "read", "__read_chk", "write", "close",
    "dup", "dup2", "dup3", "close_range", "closefrom",
};
static void *_Atomic real_fn[R_NUM];
/* Set while this thread is inside dlsym(): anything dlsym (or a malloc it
 * calls) does through us then goes straight to the kernel. */
static __thread bool t_resolving;

static void *real(int i)
{
    void *f = atomic_load_explicit(&real_fn[i], memory_order_acquire);
    if (f || t_resolving)
        return f;
    t_resolving = true;
    f = dlsym(RTLD_NEXT, real_names[i]);
    t_resolving = false;
    if (f)
        atomic_store_explicit(&real_fn[i], f, memory_order_release);
    return f;
}

#define REAL(i, type) ((type)real(i))

/* Fallbacks, used only if dlsym cannot give us the libc function (or while
 * resolving it).  Same behaviour as the libc wrappers minus cancellation. */
static int sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
#ifdef SYS_mmap2
    return (void *)syscall(SYS_mmap2, addr, len, prot, flags, fd, off / 4096);
#else
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
#endif
}

/* ---- which descriptors are the device ------------------------------------ */

#ifndef DEVBITS_FDS
#define DEVBITS_FDS  65536         /* tests build a variant with 64 */
#endif
#define DEVBITS_WORD (8 * sizeof(unsigned long))
static _Atomic unsigned long g_devbits[DEVBITS_FDS / DEVBITS_WORD];

/* Device descriptors >= DEVBITS_FDS (a process with a huge RLIMIT_NOFILE and
 * that many open files): a small locked list, looked at only when non-empty. */
#define HIGH_MAX 64
static pthread_mutex_t g_high_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_high[HIGH_MAX];
static atomic_int g_nhigh;

static inline bool is_dev(int fd)
{
    if (fd < 0)
        return false;
    if (fd < DEVBITS_FDS) {
        unsigned long w = atomic_load_explicit(&g_devbits[fd / DEVBITS_WORD], memory_order_relaxed);
        return (w >> (fd % DEVBITS_WORD)) & 1;
    }
    if (atomic_load_explicit(&g_nhigh, memory_order_relaxed) == 0)
        return false;
    bool k = false;
    pthread_mutex_lock(&g_high_lock);
    for (int i = 0; i < atomic_load(&g_nhigh); i++)
        if (g_high[i] == fd)
            k = true;
    pthread_mutex_unlock(&g_high_lock);
    return k;
}

static bool dev_add(int fd)
{
    if (fd < DEVBITS_FDS) {
        atomic_fetch_or(&g_devbits[fd / DEVBITS_WORD], 1ul << (fd % DEVBITS_WORD));
        return true;
    }
    bool ok = false;
    pthread_mutex_lock(&g_high_lock);
    int n = atomic_load(&g_nhigh);
    if (n < HIGH_MAX) {
        g_high[n] = fd;
        atomic_store(&g_nhigh, n + 1);
        ok = true;
    }
    pthread_mutex_unlock(&g_high_lock);
    return ok;
}

/* Returns true if fd was a device descriptor (and now is not). */
static bool dev_del(int fd)
{
    if (fd < 0)
        return false;
    if (fd < DEVBITS_FDS) {
        unsigned long bit = 1ul << (fd % DEVBITS_WORD);
        return atomic_fetch_and(&g_devbits[fd / DEVBITS_WORD], ~bit) & bit;
    }
    bool found = false;
    pthread_mutex_lock(&g_high_lock);
    int n = atomic_load(&g_nhigh);
    for (int i = 0; i < n; i++)
        if (g_high[i] == fd) {
            g_high[i] = g_high[n - 1];
            atomic_store(&g_nhigh, n - 1);
            found = true;
            break;
        }
    pthread_mutex_unlock(&g_high_lock);
    return found;
}

/* Closes a device descriptor.  The bit is cleared first, so the close()
 * libliteipc does underneath comes back through us and reaches libc. */
static int dev_close(int fd)
{
    dev_del(fd);
    return lipc_dev_close(fd);
}

/* Forgets (closes) every device descriptor in [lo, hi], for operations that
 * close descriptors without naming them one by one. */
static void dev_close_range(unsigned lo, unsigned hi)
{
    unsigned top = hi < DEVBITS_FDS - 1 ? hi : DEVBITS_FDS - 1;
    for (unsigned w = lo / DEVBITS_WORD; lo <= top && w <= top / DEVBITS_WORD; w++) {
        unsigned long bits = atomic_load_explicit(&g_devbits[w], memory_order_relaxed);
        while (bits) {
            unsigned b = (unsigned)__builtin_ctzl(bits);
            bits &= bits - 1;
            unsigned fd = w * DEVBITS_WORD + b;
            if (fd >= lo && fd <= hi)
                dev_close((int)fd);
        }
    }
    while (hi >= DEVBITS_FDS && atomic_load(&g_nhigh) > 0) {
        int victim = -1;
        pthread_mutex_lock(&g_high_lock);
        for (int i = 0; i < atomic_load(&g_nhigh); i++)
            if ((unsigned)g_high[i] >= lo && (unsigned)g_high[i] <= hi)
                victim = g_high[i];
        pthread_mutex_unlock(&g_high_lock);
        if (victim < 0)
            break;
        dev_close(victim);
    }
}

/* ---- the pool mapping ---------------------------------------------------- */

/* The pool this process mapped through us: munmap of it is refused by the
 * runtime (the pool lives until exit, as on LiteOS-A).  Tagged with the pid
 * so that a fork child (whose runtime drops the parent's views itself, with
 * munmap, from its atfork handler) is not affected. */
static _Atomic uintptr_t g_pool_addr;
static _Atomic size_t g_pool_len;
static atomic_int g_pool_pid;

static bool in_pool(void *addr, size_t len)
{
    uintptr_t a = atomic_load(&g_pool_addr);
    size_t n = atomic_load(&g_pool_len);
    if (!a || !n)
        return false;
    uintptr_t lo = (uintptr_t)addr, hi = lo + (len ? len : 1);
    if (hi <= a || lo >= a + n)
        return false;
    return atomic_load(&g_pool_pid) == (int)getpid();
}

/* ---- open ---------------------------------------------------------------- */

static bool is_driver_path(const char *path)
{
    return path && strcmp(path, LITEIPC_DRIVER) == 0;
}

static int dev_open(void)
{
    int fd = lipc_dev_open();
    if (fd < 0)
        return -1;
    if (!dev_add(fd)) {
        lipc_dev_close(fd);
        errno = EMFILE;
        return -1;
    }
    return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
    /* the rule glibc's own open() uses */
    return ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? (mode_t)va_arg(ap, int) : 0;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);

static int do_open(int which, const char *path, int flags, mode_t mode)
{
    if (is_driver_path(path))
        return dev_open();
    open_fn f = REAL(which, open_fn);
    return f ? f(path, flags, mode) : sys_openat(AT_FDCWD, path, flags, mode);
}

static int do_openat(int which, int dirfd, const char *path, int flags, mode_t mode)
{
    /* An absolute path ignores dirfd. */
    if (is_driver_path(path))
        return dev_open();
    openat_fn f = REAL(which, openat_fn);
    return f ? f(dirfd, path, flags, mode) : sys_openat(dirfd, path, flags, mode);
}

PL_EXPORT int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return do_open(R_OPEN, path, flags, mode);
}

PL_EXPORT int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return do_open(R_OPEN64, path, flags, mode);
}

PL_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return do_openat(R_OPENAT, dirfd, path, flags, mode);
}

PL_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return do_openat(R_OPENAT64, dirfd, path, flags, mode);
}

/* glibc's _FORTIFY_SOURCE entry points (open without a mode argument). */
static int do_open_2(int which, const char *path, int flags)
{
    if (is_driver_path(path))
        return dev_open();
    open2_fn f = REAL(which, open2_fn);
    return f ? f(path, flags) : sys_openat(AT_FDCWD, path, flags, 0);
}

static int do_openat_2(int which, int dirfd, const char *path, int flags)
{
    if (is_driver_path(path))
        return dev_open();
    openat2_fn f = REAL(which, openat2_fn);
    return f ? f(dirfd, path, flags) : sys_openat(dirfd, path, flags, 0);
}

PL_EXPORT int __open_2(const char *path, int flags) { return do_open_2(R_OPEN_2, path, flags); }
PL_EXPORT int __open64_2(const char *path, int flags) { return do_open_2(R_OPEN64_2, path, flags); }
PL_EXPORT int __openat_2(int dirfd, const char *path, int flags) { return do_openat_2(R_OPENAT_2, dirfd, path, flags); }
PL_EXPORT int __openat64_2(int dirfd, const char *path, int flags) { return do_openat_2(R_OPENAT64_2, dirfd, path, flags); }

/* ---- mmap / munmap ------------------------------------------------------- */

/* The driver ignores the offset; off64_t keeps it whole on the libc path
 * of 32-bit targets. */
static void *dev_mmap(void *addr, size_t len, int prot, int flags, int fd)
{
    void *p = lipc_dev_mmap(addr, len, prot, flags, fd, 0);
    if (p != MAP_FAILED) {
        atomic_store(&g_pool_pid, 0);
        atomic_store(&g_pool_addr, (uintptr_t)p);
        atomic_store(&g_pool_len, (len + 4095) & ~(size_t)4095);
        atomic_store(&g_pool_pid, (int)getpid());
    }
    return p;
}

PL_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (!(flags & MAP_ANONYMOUS) && is_dev(fd))
        return dev_mmap(addr, len, prot, flags, fd);
    void *(*f)(void *, size_t, int, int, int, off_t) =
        REAL(R_MMAP, void *(*)(void *, size_t, int, int, int, off_t));
    return f ? f(addr, len, prot, flags, fd, off) : sys_mmap(addr, len, prot, flags, fd, off);
}

PL_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    if (!(flags & MAP_ANONYMOUS) && is_dev(fd))
        return dev_mmap(addr, len, prot, flags, fd);
    void *(*f)(void *, size_t, int, int, int, off64_t) =
        REAL(R_MMAP64, void *(*)(void *, size_t, int, int, int, off64_t));
    return f ? f(addr, len, prot, flags, fd, off) : sys_mmap(addr, len, prot, flags, fd, off);
}

PL_EXPORT int munmap(void *addr, size_t len)
{
    if (in_pool(addr, len))
        return lipc_dev_munmap(addr, len);
    int (*f)(void *, size_t) = REAL(R_MUNMAP, int (*)(void *, size_t));
    return f ? f(addr, len) : (int)syscall(SYS_munmap, addr, len);
}

/* ---- ioctl / read / write / close ---------------------------------------- */

PL_EXPORT int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (is_dev(fd))
        return lipc_dev_ioctl(fd, req, arg);
    int (*f)(int, unsigned long, ...) = REAL(R_IOCTL, int (*)(int, unsigned long, ...));
    return f ? f(fd, req, arg) : (int)syscall(SYS_ioctl, fd, req, arg);
}

PL_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
    if (is_dev(fd))
        return lipc_dev_read(fd, buf, n);
    ssize_t (*f)(int, void *, size_t) = REAL(R_READ, ssize_t (*)(int, void *, size_t));
    return f ? f(fd, buf, n) : syscall(SYS_read, fd, buf, n);
}

PL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    if (is_dev(fd))
        return lipc_dev_read(fd, buf, n);
    ssize_t (*f)(int, void *, size_t, size_t) = REAL(R_READ_CHK, ssize_t (*)(int, void *, size_t, size_t));
    return f ? f(fd, buf, n, buflen) : syscall(SYS_read, fd, buf, n);
}

PL_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    if (is_dev(fd))
        return lipc_dev_write(fd, buf, n);
    ssize_t (*f)(int, const void *, size_t) = REAL(R_WRITE, ssize_t (*)(int, const void *, size_t));
    return f ? f(fd, buf, n) : syscall(SYS_write, fd, buf, n);
}

PL_EXPORT int close(int fd)
{
    if (is_dev(fd))
        return dev_close(fd);
    int (*f)(int) = REAL(R_CLOSE, int (*)(int));
    return f ? f(fd) : (int)syscall(SYS_close, fd);
}

/* ---- descriptor duplication and bulk close --------------------------------- */

/* dup(dev): another descriptor naming this process's LiteIPC instance, as
 * on LiteOS-A (all device descriptors of a process share one state). */
PL_EXPORT int dup(int fd)
{
    if (is_dev(fd))
        return dev_open();
    int (*f)(int) = REAL(R_DUP, int (*)(int));
    return f ? f(fd) : (int)syscall(SYS_dup, fd);
}

/* dup2/dup3 cannot place a device descriptor at a chosen number (the runtime
 * hands out its own), so duplicating *from* the device fails loudly with
 * ENOTSUP instead of creating a descriptor that is not the device.
 * Duplicating *onto* a device descriptor closes it first, as the kernel
 * would, so that the number is no longer taken for the device. */
static int dup_onto(int oldfd, int newfd)
{
    if (is_dev(oldfd) && oldfd != newfd) {
        errno = ENOTSUP;
        return -1;
    }
    if (oldfd != newfd && is_dev(newfd))
        dev_close(newfd);
    return 0;
}

PL_EXPORT int dup2(int oldfd, int newfd)
{
    if (dup_onto(oldfd, newfd) < 0)
        return -1;
    int (*f)(int, int) = REAL(R_DUP2, int (*)(int, int));
    if (f)
        return f(oldfd, newfd);
    if (oldfd == newfd)                  /* dup3 would reject this */
        return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
    return (int)syscall(SYS_dup3, oldfd, newfd, 0);
}

PL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    if (dup_onto(oldfd, newfd) < 0)
        return -1;
    int (*f)(int, int, int) = REAL(R_DUP3, int (*)(int, int, int));
    return f ? f(oldfd, newfd, flags) : (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

PL_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
#ifdef CLOSE_RANGE_CLOEXEC
    if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
#else
    if (first <= last)
#endif
        dev_close_range(first, last);
    int (*f)(unsigned, unsigned, int) = REAL(R_CLOSE_RANGE, int (*)(unsigned, unsigned, int));
    return f ? f(first, last, flags) : (int)syscall(SYS_close_range, first, last, flags);
}

PL_EXPORT void closefrom(int lowfd)
{
    if (lowfd >= 0)
        dev_close_range((unsigned)lowfd, ~0u);
    void (*f)(int) = REAL(R_CLOSEFROM, void (*)(int));
    if (f)
        f(lowfd);
    else if (lowfd >= 0)
        syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0);
}

/* Resolve everything up front, outside any signal handler or lock of the
 * program, so the hot paths only load a pointer. */
static void high_lock(void) { pthread_mutex_lock(&g_high_lock); }
static void high_unlock(void) { pthread_mutex_unlock(&g_high_lock); }

__attribute__((constructor)) static void preload_init(void)
{
    for (int i = 0; i < R_NUM; i++)
        real(i);
    /* a fork while another thread holds the list lock must not leave the
     * child with it held */
    pthread_atfork(high_lock, high_unlock, high_unlock);
}

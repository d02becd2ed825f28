/*
 * lipc.h - liteipc native API: the /dev/lite_ipc device interface as
 * functions, plus the few things this project adds of its own.
 *
 * Error model
 *   lipc_dev_*() behave exactly like open/mmap/ioctl/close on the LiteOS-A
 *   driver: they return -1 (or MAP_FAILED) and set errno to the driver's code
 *   (EINVAL, EACCES, ENOMEM, EEXIST, EFAULT, ETIME, ENOENT, ...).
 *   Every other lipc_*() function returns 0 or a positive value on success
 *   and -errno on failure, and leaves errno alone.
 *
 * Broker
 *   All calls talk to the broker daemon (liteipcd) over the Unix socket named
 *   by $LITEIPC_SOCKET, default lipc_default_socket_path().  No call starts a
 *   broker: if none runs, lipc_dev_open() fails with ECONNREFUSED or ENOENT.
 */
#ifndef LIPC_H
#define LIPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lite_ipc.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LIPC_EXPORT __attribute__((visibility("default")))
#else
#define LIPC_EXPORT
#endif

#define LIPC_SOCKET_ENV "LITEIPC_SOCKET"

/* Writes the socket path this process would use into buf (NUL-terminated).
 * Returns the length, or -ENAMETOOLONG. */
LIPC_EXPORT int lipc_socket_path(char *buf, size_t len);

/* ---- the device, as functions (errno contract of LiteOS-A) ------------- */

/* open(LITEIPC_DRIVER): returns a new descriptor naming this process's
 * LiteIPC instance (the first open connects to the broker), or -1/errno.
 * Owned by the caller; lipc_dev_close() releases the descriptor only: as on
 * LiteOS-A, the IPC state lives until the process exits. */
LIPC_EXPORT int lipc_dev_open(void);

/* mmap(NULL, len, prot, flags, fd, 0) on the device: maps this process's
 * receive pool read-only.  EINVAL unless prot is PROT_READ-only, flags has
 * MAP_PRIVATE and len <= LITE_IPC_POOL_MAX_SIZE; EEXIST for a second pool. */
LIPC_EXPORT void *lipc_dev_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/* ioctl(fd, request, arg) on the device.  Sync receives wait at most
 * LITEIPC_TIMEOUT_MS (5 s), as on LiteOS-A; see lipc_send_recv() for a
 * per-call timeout. */
LIPC_EXPORT int lipc_dev_ioctl(int fd, unsigned long request, void *arg);

/* close(fd) on the device descriptor. */
LIPC_EXPORT int lipc_dev_close(int fd);

/* read()/write() on the device: the driver has none, so -1/EINVAL (EBADF for
 * a descriptor that is not the device), as on LiteOS-A. */
LIPC_EXPORT ssize_t lipc_dev_read(int fd, void *buf, size_t n);
LIPC_EXPORT ssize_t lipc_dev_write(int fd, const void *buf, size_t n);

/* 1 if fd is a descriptor returned by lipc_dev_open(), else 0. */
LIPC_EXPORT int lipc_dev_is_fd(int fd);

/* munmap of the pool: refused (-1/EINVAL) as the pool lives until exit. */
LIPC_EXPORT int lipc_dev_munmap(void *addr, size_t len);

/* ---- native calls -------------------------------------------------------- */

#define LIPC_WAIT_FOREVER (-1)

/* IPC_SEND_RECV_MSG with a timeout for the receive part, in milliseconds
 * (LIPC_WAIT_FOREVER = no limit).  Returns 0 or -errno: the ioctl's codes,
 * except that a sync call whose peer died (thread or process) returns
 * -EOWNERDEAD where the ioctl says ENOENT; -ENOENT then means the peer
 * itself answered with MT_FAILED_REPLY.  Data may exceed the ioctl's
 * IPC_MSG_DATA_SZ_MAX, up to the receiver's pool size less 128 bytes (the
 * ring's entry header and the unit it keeps free).  The device must be
 * open and mapped. */
LIPC_EXPORT int lipc_send_recv(IpcContent *content, int timeout_ms);

/* The largest pool lipc_pool_map() asks for; the broker's own limit
 * (liteipcd --max-pool, default LIPC_POOL_DEFAULT_MAX) may be lower. */
#define LIPC_POOL_NATIVE_MAX ((size_t)1 << 30)
#define LIPC_POOL_DEFAULT_MAX ((size_t)16 << 20)

/* Maps this process's receive pool, as lipc_dev_mmap(NULL, len, PROT_READ,
 * MAP_PRIVATE, fd, 0) does, but beyond the device's 256 KiB: up to the
 * broker's --max-pool (16 MiB unless configured).  The pool is also each
 * sender's ring budget towards this process, so one message (its data read
 * in place) may then carry up to len less 128 bytes: 1 MiB messages need a
 * pool of a little over 1 MiB.  Memory is used only where written (the
 * runtime's bookkeeping too, up to ~50 bytes per 64-byte unit of pool in
 * use).  A program using the C IPC library may call this before the
 * library's first call: the library takes a pool already mapped.  Sets
 * *pool and returns 0, or -errno: EINVAL (len 0, or above the broker's
 * limit), EEXIST (already mapped), EBADF. */
LIPC_EXPORT int lipc_pool_map(int fd, size_t len, void **pool);

/* Whether the task behind a handle (0 = the CMS) is alive, as the broker
 * sees it: 1 alive, 0 gone (or never a task), -errno on failure.  A process
 * that sets its IPC thread first and then finds the handle alive will get
 * that task's death notice, if it has access: no death is missed. */
LIPC_EXPORT int lipc_handle_alive(int32_t handle);

/* The calling thread's kernel thread id (its LiteIPC task id / handle). */
LIPC_EXPORT pid_t lipc_gettid(void);

#ifdef __cplusplus
}
#endif
#endif /* LIPC_H */

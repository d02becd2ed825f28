/* Helpers for tests that drive the device interface directly. */
#ifndef LIPC_DEV_UTIL_H
#define LIPC_DEV_UTIL_H

#include <sys/mman.h>
#include "lipc.h"
#include "lipc_test.h"

static inline int tdev_open_map(size_t len)
{
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    void *p = lipc_dev_mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    return fd;
}

/* Sync request; returns 0 or -errno; *in set on success. */
static inline int tdev_call(int fd, int32_t handle, uint32_t code, const void *data, uint32_t len, IpcMsg **in)
{
    IpcMsg m = { .type = MT_REQUEST, .target.handle = handle, .code = code, .flag = LITEIPC_FLAG_DEFAULT,
                 .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
    int r = lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
    if (r < 0)
        return -errno;
    *in = c.inMsg;
    return 0;
}

static inline int tdev_oneway(int fd, int32_t handle, uint32_t code, const void *data, uint32_t len)
{
    IpcMsg m = { .type = MT_REQUEST, .target.handle = handle, .code = code, .flag = LITEIPC_FLAG_ONEWAY,
                 .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND, .outMsg = &m };
    return lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0 ? -errno : 0;
}

static inline int tdev_recv(int fd, IpcMsg **in)
{
    IpcContent c = { .flag = RECV };
    int r = lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c);
    if (r < 0)
        return -errno;
    *in = c.inMsg;
    return 0;
}

static inline int tdev_free(int fd, void *p)
{
    IpcContent c = { .flag = BUFF_FREE, .buffToFree = p };
    return lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0 ? -errno : 0;
}

/* Replies to a request (and frees it), with data. */
static inline int tdev_reply(int fd, IpcMsg *req, MsgType type, const void *data, uint32_t len)
{
    IpcMsg m = { .type = type, .target.handle = (int32_t)req->taskID, .code = req->code, .flag = req->flag,
                 .timestamp = req->timestamp, .dataSz = len, .data = (void *)data };
    IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = req };
    return lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c) < 0 ? -errno : 0;
}

/* A pipe used as a one-shot barrier between parent and child. */
struct tsync { int p[2]; };
static inline void tsync_init(struct tsync *s) { CHECK(pipe(s->p) == 0); }
static inline void tsync_post(struct tsync *s, uint32_t v) { CHECK(write(s->p[1], &v, 4) == 4); }
static inline uint32_t tsync_wait(struct tsync *s)
{
    uint32_t v = 0;
    CHECK(read(s->p[0], &v, 4) == 4);
    return v;
}

#endif

/* The direct path under load: many wraps of the ring with mixed sizes,
 * one-way floods into a full ring (ENOMEM, then recovery), data checked. */
#include "lipc_dev_util.h"

static struct lipc_test_broker g_brk;

static void fill(uint8_t *b, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed * 31 + i);
}

static int server_main(struct tsync *ready)
{
    int fd = tdev_open_map(64 * 1024);
    CHECK(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)(1 << 20)) == 0);
    tsync_post(ready, 1);
    static uint8_t buf[65536];
    uint64_t oneway_bytes = 0;
    for (;;) {
        IpcContent c = { .flag = RECV };
        CHECK_EQ(lipc_send_recv(&c, LIPC_WAIT_FOREVER), 0);
        IpcMsg *in = c.inMsg;
        if (in->flag == LITEIPC_FLAG_ONEWAY) {
            uint8_t exp[65536];
            fill(exp, in->dataSz, in->code);
            CHECK(memcmp(exp, in->data, in->dataSz) == 0);
            oneway_bytes += in->dataSz;
            CHECK_EQ(tdev_free(fd, in), 0);
            continue;
        }
        uint32_t n = in->dataSz;
        if (in->code == 0xdead) {
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &oneway_bytes, sizeof(oneway_bytes)), 0);
            return 0;
        }
        fill(buf, n, in->code);
        CHECK(n == 0 || memcmp(buf, in->data, n) == 0);
        fill(buf, n, in->code + 1);
        IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                     .timestamp = in->timestamp, .dataSz = n, .data = buf };
        IpcContent r = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&r, 0), 0);
    }
}

int main(void)
{
    lipc_test_broker_start(&g_brk);
    struct tsync ready;
    tsync_init(&ready);
    pid_t srv = lipc_test_fork();
    if (srv == 0)
        _exit(server_main(&ready));
    tsync_wait(&ready);
    int fd = tdev_open_map(64 * 1024);
    static uint8_t out[65536], exp[65536];
    static const uint32_t sizes[] = { 0, 1, 3, 64, 100, 1000, 4096, 6000, 20000, 30000 };
    for (uint32_t i = 0; i < 20000; i++) {
        uint32_t n = sizes[i % 10];
        fill(out, n, i);
        IpcMsg m = { .type = MT_REQUEST, .target.handle = 0, .code = i, .dataSz = n, .data = out };
        IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
        CHECK_EQ(lipc_send_recv(&c, 5000), 0);
        CHECK_EQ(c.inMsg->dataSz, n);
        fill(exp, n, i + 1);
        CHECK(n == 0 || memcmp(exp, c.inMsg->data, n) == 0);
        CHECK_EQ(tdev_free(fd, c.inMsg), 0);
    }
    /* a message larger than the receiver's budget can never fit */
    IpcMsg big = { .type = MT_REQUEST, .target.handle = 0, .code = 1, .dataSz = 65536, .data = out };
    IpcContent bc = { .flag = SEND | RECV, .outMsg = &big };
    CHECK_EQ(lipc_send_recv(&bc, 5000), -ENOMEM);
    /* one-way flood: ENOMEM when the ring is full, nothing lost */
    uint64_t sent = 0;
    unsigned enomem = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        uint32_t n = 1 + (i * 97) % 3000;
        fill(out, n, i);
        IpcMsg m = { .type = MT_REQUEST, .target.handle = 0, .code = i, .flag = LITEIPC_FLAG_ONEWAY,
                     .dataSz = n, .data = out };
        IpcContent c = { .flag = SEND, .outMsg = &m };
        int r;
        while ((r = lipc_send_recv(&c, 0)) == -ENOMEM) {
            enomem++;
            sched_yield();
        }
        CHECK_EQ(r, 0);
        sent += n;
    }
    printf("one-way flood: %u ENOMEM retries\n", enomem);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, 0xdead, NULL, 0, &in), 0);
    CHECK_EQ(*(uint64_t *)in->data, sent);
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(lipc_test_wait(srv), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_ring: ok\n");
    return 0;
}

/*
 * Pools beyond the device's 256 KiB (lipc_pool_map(), liteipcd --max-pool):
 *  1. the device's mmap keeps LiteOS-A's limit (EINVAL above 256 KiB);
 *     lipc_pool_map() refuses 0 bytes and anything above the broker's limit
 *     (EINVAL, and the process may still map a pool afterwards), maps up to
 *     it, and a second pool is EEXIST either way;
 *  2. 1 MiB sync calls, data checked both ways (read in place in the ring),
 *     and the largest message a 4 MiB pool takes (its size less 128 bytes);
 *     one byte more is ENOMEM at once; a message with special objects (it
 *     goes through the broker) is EMSGSIZE above 1 MiB;
 *  3. a burst of 1 MiB one-way messages the receiver frees as it reads them:
 *     a full ring is ENOMEM to the sender (never a loss), and every message
 *     sent arrives intact;
 *  4. a broker started with --max-pool 1M refuses a 2 MiB pool.
 */
#include "lipc_dev_util.h"

#define POOL ((size_t)4 << 20)
#define MAXDATA ((uint32_t)(POOL - 128))     /* 64-byte entry header + the unit a ring keeps free */
#define MIB (1u << 20)

enum { C_ECHO = 1, C_SINK = 2, C_COUNT = 3, C_QUIT = 4 };

static struct lipc_test_broker g_brk;

static void fill(uint8_t *b, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 12));
}

static int map_large(size_t len)
{
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    void *pool = NULL;
    CHECK_EQ(lipc_pool_map(fd, len, &pool), 0);
    CHECK(pool != NULL && pool != MAP_FAILED);
    return fd;
}

/* The CMS: echoes C_ECHO; checks and counts C_SINK one-way messages (their
 * seed is the code's flag word); C_COUNT answers with the count. */
static int server_main(void *arg)
{
    struct tsync *ready = arg;
    int fd = map_large(POOL);
    /* the CMS's maxMsgSize bounds what handle 0 accepts */
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)(POOL + sizeof(IpcMsg))), 0);
    tsync_post(ready, (uint32_t)lipc_gettid());
    static uint8_t exp[MIB];
    uint32_t sunk = 0, bad = 0;
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv(fd, &in), 0);
        if (in->code == C_SINK) {
            usleep(1000);               /* slower than the sender: its ring fills */
            fill(exp, MIB, sunk);
            if (in->dataSz != MIB || memcmp(in->data, exp, MIB) != 0)
                bad++;
            sunk++;
            IpcContent f = { .flag = BUFF_FREE, .buffToFree = in };
            CHECK_EQ(lipc_send_recv(&f, 0), 0);
            continue;
        }
        uint32_t counts[2] = { sunk, bad };
        const void *data = in->data;
        uint32_t n = in->dataSz;
        if (in->code == C_COUNT || in->code == C_QUIT) {
            data = counts;
            n = sizeof(counts);
        }
        IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                     .timestamp = in->timestamp, .dataSz = n, .data = (void *)data };
        IpcContent c = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = in };
        uint32_t code = in->code;
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
        if (code == C_QUIT)
            return 0;
    }
}

static uint8_t g_out[MAXDATA + 1];

static void call_check(uint32_t n, uint32_t seed)
{
    fill(g_out, n, seed);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, C_ECHO, g_out, n, 10000, &in), 0);
    CHECK_EQ(in->dataSz, n);
    CHECK(memcmp(in->data, g_out, n) == 0);
    IpcContent f = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&f, 0), 0);
}

static void counts(uint32_t code, uint32_t *sunk, uint32_t *bad)
{
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, code, NULL, 0, 10000, &in), 0);
    CHECK_EQ(in->dataSz, 2 * sizeof(uint32_t));
    memcpy(sunk, in->data, sizeof(*sunk));
    memcpy(bad, (const uint32_t *)in->data + 1, sizeof(*bad));
    IpcContent f = { .flag = BUFF_FREE, .buffToFree = in };
    CHECK_EQ(lipc_send_recv(&f, 0), 0);
}

/* 1. limits, in a process of its own (a process maps one pool) */
static int limits_main(void *arg)
{
    (void)arg;
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    errno = 0;
    CHECK(lipc_dev_mmap(NULL, LITE_IPC_POOL_MAX_SIZE + 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    void *pool = NULL;
    CHECK_EQ(lipc_pool_map(fd, 0, &pool), -EINVAL);
    CHECK_EQ(lipc_pool_map(fd, LIPC_POOL_DEFAULT_MAX + 4096, &pool), -EINVAL);   /* the broker's limit */
    CHECK_EQ(lipc_pool_map(fd, LIPC_POOL_NATIVE_MAX + 4096, &pool), -EINVAL);
    CHECK_EQ(lipc_pool_map(-1, POOL, &pool), -EBADF);
    CHECK(pool == NULL);
    CHECK_EQ(lipc_pool_map(fd, LIPC_POOL_DEFAULT_MAX, &pool), 0);                /* the limit itself */
    CHECK(pool != NULL);
    void *again = NULL;
    CHECK_EQ(lipc_pool_map(fd, POOL, &again), -EEXIST);
    errno = 0;
    CHECK(lipc_dev_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    return 0;
}

static int small_limit_main(void *arg)
{
    (void)arg;
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    void *pool = NULL;
    CHECK_EQ(lipc_pool_map(fd, 2 * MIB, &pool), -EINVAL);
    CHECK_EQ(lipc_pool_map(fd, MIB, &pool), 0);
    return 0;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    CHECK_EQ(lipc_test_wait_t(tfork(limits_main, NULL), 30000), 0);
    printf("1. device mmap still EINVAL above 256 KiB; lipc_pool_map: 0 and above the broker's "
           "16 MiB refused, 16 MiB mapped, a second pool EEXIST\n");

    struct tsync ready;
    tsync_init(&ready);
    pid_t srv = tfork(server_main, &ready);
    CHECK(tsync_wait_t(&ready, 10000) != 0);
    map_large(POOL);

    /* 2. 1 MiB calls, then the largest message, at several ring positions */
    for (uint32_t i = 0; i < 12; i++)
        call_check(i % 3 == 2 ? MAXDATA : MIB, i);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, C_ECHO, g_out, MAXDATA + 1, 5000, &in), -ENOMEM);   /* never fits */
    /* a message with special objects goes through the broker: at most
     * LIPC_MAX_PACKET (1 MiB) of data, offsets and buffers in all */
    SpecialObj obj = { .type = OBJ_FD, .content.fd = 0 };
    memcpy(g_out, &obj, sizeof(obj));
    size_t off0 = 0;
    IpcMsg big = { .type = MT_REQUEST, .target.handle = 0, .code = C_ECHO, .dataSz = 2 * MIB,
                   .data = g_out, .spObjNum = 1, .offsets = &off0 };
    IpcContent bc = { .flag = SEND | RECV, .outMsg = &big };
    CHECK_EQ(lipc_send_recv(&bc, 5000), -EMSGSIZE);
    printf("2. 1 MiB sync calls and %u B ones checked both ways; %u B is ENOMEM; 2 MiB with an fd "
           "(through the broker) EMSGSIZE\n", (unsigned)MAXDATA, (unsigned)MAXDATA + 1);

    /* 3. one-way 1 MiB burst: ENOMEM when the ring is full, nothing lost */
    uint32_t sent = 0, full = 0;
    while (sent < 64) {
        fill(g_out, MIB, sent);
        IpcMsg m = { .type = MT_REQUEST, .target.handle = 0, .code = C_SINK, .flag = LITEIPC_FLAG_ONEWAY,
                     .dataSz = MIB, .data = g_out };
        IpcContent c = { .flag = SEND, .outMsg = &m };
        int r = lipc_send_recv(&c, 0);
        if (r == -ENOMEM) {
            full++;
            usleep(200);
            continue;
        }
        CHECK_EQ(r, 0);
        sent++;
    }
    uint32_t sunk = 0, bad = 0;
    for (int i = 0; i < 500; i++) {
        counts(C_COUNT, &sunk, &bad);
        if (sunk == sent)
            break;
        usleep(10000);
    }
    CHECK_EQ(sunk, sent);
    CHECK_EQ(bad, 0);
    CHECK(full > 0);
    printf("3. %u one-way 1 MiB messages arrived intact (the sender met a full ring %u times)\n", sent, full);

    counts(C_QUIT, &sunk, &bad);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);

    /* 4. a smaller broker limit */
    struct lipc_test_broker small;
    tbroker_start_opt(&small, "--max-pool", "1M");
    CHECK_EQ(lipc_test_wait_t(tfork(small_limit_main, NULL), 30000), 0);
    CHECK_EQ(lipc_test_broker_stop(&small), 0);
    printf("4. liteipcd --max-pool 1M: a 2 MiB pool refused, 1 MiB mapped\n");
    printf("test_large_pool: ok\n");
    return 0;
}

/*
 * Stress: NC client processes x NT threads doing thousands of sync calls
 * (plus one-way requests) concurrently to one multi-threaded server whose
 * NS service threads each have their own handle, granted through a CMS.
 * All client threads start together (first contact with the server process
 * at the same moment).  Every request carries (pid, tid, seq) and a payload;
 * the server checks the identity the driver reports against it and
 * returns a digest; the client checks the reply.  One-way requests are
 * counted by the server and the total is checked at the end.
 */
#include "lipc_dev_util.h"

#include <stdatomic.h>

enum { C_CALL = 1, C_ONEWAY, C_COUNT, C_GRANT, C_QUIT };

#define NC 4            /* client processes */
#define NT 4            /* threads per client */
#define NS 4            /* service threads */
#define NCALLS 3000     /* per client thread */
#define MAXSZ 3000

static struct lipc_test_broker g_brk;
static struct tsync g_ev, g_go;
static pid_t g_svc[NS];

struct hdr { uint32_t pid, tid, seq, len; uint64_t sum; };

static uint64_t digest(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* ---- CMS ------------------------------------------------------------------ */

static int cms_proc(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), 0);
    tsync_post(&g_ev, 0);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(fd, in), 0);
            return 0;
        }
        CHECK_EQ(in->code, C_GRANT);
        int32_t r = 0;
        for (int i = 0; i < NS && !r; i++)
            r = tdev_cms(fd, CMS_ADD_ACCESS, in->taskID, ((uint32_t *)in->data)[i], NULL);
        CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, 4), 0);
    }
}

/* ---- server --------------------------------------------------------------- */

static int g_sfd;

static void *svc_thread(void *arg)
{
    (void)arg;
    int fd = g_sfd;
    tdev_touch();
    tsync_post(&g_ev, (uint32_t)lipc_gettid());
    static _Thread_local unsigned char out[sizeof(struct hdr) + MAXSZ];
    uint32_t oneway = 0;
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        CHECK_EQ(in->target.handle, lipc_gettid());
        if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(fd, in), 0);
            return NULL;
        }
        if (in->code == C_COUNT) {
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &oneway, 4), 0);
            continue;
        }
        CHECK(in->dataSz >= sizeof(struct hdr));
        struct hdr h;
        memcpy(&h, in->data, sizeof(h));
        /* the driver's identity matches what the client wrote */
        CHECK_EQ(h.pid, in->processID);
        CHECK_EQ(h.tid, in->taskID);
        CHECK_EQ(in->dataSz, sizeof(h) + h.len);
        const unsigned char *pl = (const unsigned char *)in->data + sizeof(h);
        CHECK_EQ(digest(pl, h.len), h.sum);
        if (in->code == C_ONEWAY) {
            CHECK_EQ(in->flag, LITEIPC_FLAG_ONEWAY);
            oneway++;
            CHECK_EQ(tdev_free(fd, in), 0);
            continue;
        }
        CHECK_EQ(in->code, C_CALL);
        /* reply: the header with seq+1, and the payload reversed */
        h.seq++;
        for (uint32_t i = 0; i < h.len; i++)
            out[sizeof(h) + i] = pl[h.len - 1 - i];
        h.sum = digest(out + sizeof(h), h.len);
        memcpy(out, &h, sizeof(h));
        CHECK_EQ(tdev_reply(fd, in, MT_REPLY, out, (uint32_t)(sizeof(h) + h.len)), 0);
    }
}

static int server_proc(void *arg)
{
    (void)arg;
    g_sfd = tdev_open_map(LITE_IPC_POOL_MAX_SIZE);
    pthread_t t[NS];
    for (int i = 0; i < NS; i++) {
        t[i] = tthread(svc_thread, NULL);
        CHECK_EQ(tsync_wait_t(&g_go, 10000), 0xabc);   /* one at a time: P reads tids in order */
    }
    for (int i = 0; i < NS; i++)
        tthread_join(t[i]);
    return 0;
}

/* ---- clients ---------------------------------------------------------------- */

static int g_cfd;
static pthread_barrier_t g_bar;
static atomic_uint g_oneways;

static void *client_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + (unsigned)getpid();
    static _Thread_local unsigned char buf[sizeof(struct hdr) + MAXSZ];
    pthread_barrier_wait(&g_bar);
    for (uint32_t i = 0; i < NCALLS; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t len = (seed >> 8) % (i % 50 == 0 ? MAXSZ : 200);
        struct hdr h = { (uint32_t)getpid(), (uint32_t)lipc_gettid(), i, len, 0 };
        for (uint32_t k = 0; k < len; k++)
            buf[sizeof(h) + k] = (unsigned char)(seed + k * 31);
        h.sum = digest(buf + sizeof(h), len);
        memcpy(buf, &h, sizeof(h));
        int32_t svc = g_svc[(seed >> 4) % NS];
        if (i % 10 == 9) {
            CHECK_EQ(tdev_oneway(g_cfd, svc, C_ONEWAY, buf, (uint32_t)(sizeof(h) + len)), 0);
            atomic_fetch_add(&g_oneways, 1);
            continue;
        }
        IpcMsg *in = NULL;
        int r;
        if (i % 2)
            r = tdev_call(g_cfd, svc, C_CALL, buf, (uint32_t)(sizeof(h) + len), &in);
        else
            r = tdev_call_t(svc, C_CALL, buf, (uint32_t)(sizeof(h) + len), 5000, &in);
        if (r != 0)
            fprintf(stderr, "client %d/%d call %u to %d: %d (%s)\n", getpid(), lipc_gettid(), i, svc, r,
                    strerror(-r));
        CHECK_EQ(r, 0);
        CHECK_EQ(in->type, MT_REPLY);
        CHECK_EQ(in->taskID, svc);
        CHECK_EQ(in->dataSz, sizeof(h) + len);
        struct hdr rh;
        memcpy(&rh, in->data, sizeof(rh));
        CHECK_EQ(rh.pid, h.pid);
        CHECK_EQ(rh.tid, h.tid);
        CHECK_EQ(rh.seq, i + 1);
        CHECK_EQ(rh.len, len);
        const unsigned char *pl = (const unsigned char *)in->data + sizeof(rh);
        CHECK_EQ(digest(pl, len), rh.sum);
        for (uint32_t k = 0; k < len; k++)
            CHECK_EQ(pl[k], buf[sizeof(h) + len - 1 - k]);
        CHECK_EQ(tdev_free(g_cfd, in), 0);
    }
    return NULL;
}

static int client_proc(void *arg)
{
    (void)arg;
    g_cfd = tdev_open_map(LITE_IPC_POOL_MAX_SIZE);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(g_cfd, 0, C_GRANT, g_svc, sizeof(g_svc), &in), 0);
    CHECK_EQ(*(int32_t *)in->data, 0);
    CHECK_EQ(tdev_free(g_cfd, in), 0);
    /* first contact with each service thread from one thread (concurrent
     * first contact is test_first_contact's subject) */
    for (int i = 0; i < NS; i++) {
        CHECK_EQ(tdev_call(g_cfd, g_svc[i], C_COUNT, NULL, 0, &in), 0);
        CHECK_EQ(tdev_free(g_cfd, in), 0);
    }
    pthread_barrier_init(&g_bar, NULL, NT);
    pthread_t t[NT];
    for (int i = 0; i < NT; i++)
        t[i] = tthread(client_thread, (void *)(uintptr_t)i);
    for (int i = 0; i < NT; i++)
        tthread_join(t[i]);
    return (int)(atomic_load(&g_oneways) & 0x7f);     /* the parent checks it */
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_ev);
    tsync_init(&g_go);
    pid_t cms = tfork(cms_proc, NULL);
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), 0);
    pid_t srv = tfork(server_proc, NULL);
    for (int i = 0; i < NS; i++) {
        g_svc[i] = (pid_t)tsync_wait_t(&g_ev, 10000);
        tsync_post(&g_go, 0xabc);
    }

    long long t0 = lipc_test_now_ms();
    pid_t c[NC];
    for (int i = 0; i < NC; i++)
        c[i] = tfork(client_proc, NULL);
    uint32_t per_thread_oneway = NCALLS / 10;
    for (int i = 0; i < NC; i++)
        CHECK_EQ(lipc_test_wait_t(c[i], 60000), (NT * per_thread_oneway) & 0x7f);
    long long dt = lipc_test_now_ms() - t0;
    uint32_t calls = NC * NT * NCALLS;
    printf("%u requests (%u one-way) from %d processes x %d threads to %d service threads: %lld ms\n", calls,
           NC * NT * per_thread_oneway, NC, NT, NS, dt);

    /* every one-way request arrived, once */
    int fd = tdev_open_map(64 * 1024);
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, C_GRANT, g_svc, sizeof(g_svc), &in), 0);
    CHECK_EQ(tdev_free(fd, in), 0);
    uint32_t total = 0;
    for (int tries = 0; tries < 100; tries++) {
        total = 0;
        for (int i = 0; i < NS; i++) {
            CHECK_EQ(tdev_call(fd, g_svc[i], C_COUNT, NULL, 0, &in), 0);
            total += *(uint32_t *)in->data;
            CHECK_EQ(tdev_free(fd, in), 0);
        }
        if (total >= NC * NT * per_thread_oneway)
            break;
        usleep(20000);
    }
    CHECK_EQ(total, NC * NT * per_thread_oneway);

    for (int i = 0; i < NS; i++)
        CHECK_EQ(tdev_oneway(fd, g_svc[i], C_QUIT, NULL, 0), 0);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(tdev_oneway(fd, 0, C_QUIT, NULL, 0), 0);
    CHECK_EQ(lipc_test_wait_t(cms, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_stress: ok\n");
    return 0;
}

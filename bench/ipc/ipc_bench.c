/*
 * ipc_bench: SendRequest + automatic reply through ipc_skeleton.h against
 * the raw core call (lipc_send_recv SEND|RECV, the server answering with
 * SEND|BUFF_FREE), 64 B of payload each way, measured in the same run,
 * interleaved in blocks, with a private broker.
 *   server process: thread A is the service manager (SetContextObject);
 *     thread B serves the API stub (WriteRemoteObject + JoinWorkThread);
 *     thread C is a raw LiteIPC loop (registered the same way).
 *   client: this process.
 * Placements: cross (client CPU0, server CPU1) and same (both CPU0).
 * Scenarios: hot (back to back) and cold (10 ms idle before each call).
 *   ipc_bench [--quick] [--json] [--split]
 * --json: one JSON line per row on stdout (table on stderr).
 * --split: hot cross only, the four pairings of client side (API or raw)
 *   and serving thread (API stub thread or raw loop), interleaved: which
 *   side the overhead comes from (each thread answers either kind).
 */
#include <sched.h>
#include <stdlib.h>

#include "ipc_skeleton.h"
#include "lipc_dev_util.h"
#include "lipc_ipc.h"

enum { SM_REG = 1, SM_GET = 2 };
enum { B_ECHO = 10, B_PIN = 11 };
#define PAYLOAD 64

static struct tsync g_ev;

/* ---- server --------------------------------------------------------------- */

static struct { char name[8]; SvcIdentity svc; } g_reg[2];
static int g_nreg;

static int pin_self(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    return sched_setaffinity(0, sizeof(s), &s) == 0 ? 0 : -errno;
}

static int32_t sm_stub(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption o)
{
    (void)o;
    size_t len;
    const char *n = (const char *)ReadString(data, &len);
    if (!n || len >= 8)
        return ERR_INVALID_PARAM;
    if (code == SM_REG && g_nreg < 2 && ReadRemoteObject(data, &g_reg[g_nreg].svc)) {
        strcpy(g_reg[g_nreg++].name, n);
        WriteInt32(reply, 0);
    } else if (code == SM_GET) {
        for (int i = 0; i < g_nreg; i++)
            if (strcmp(g_reg[i].name, n) == 0)
                return WriteInt32(reply, 0), WriteRemoteObject(reply, &g_reg[i].svc), ERR_NONE;
        WriteInt32(reply, -1);
    }
    return ERR_NONE;
}

static void *sm_thread(void *arg)
{
    static IpcObjectStub stub = { .func = sm_stub };
    SvcIdentity s = { 0, 0, (uintptr_t)&stub };
    CHECK_EQ(SetContextObject(s), ERR_NONE);
    tsync_post(arg, 1);
    JoinWorkThread();
    return NULL;
}

static void reg(const char *name, IpcObjectStub *stub)
{
    char buf[128];
    IpcIo io, reply;
    IpcIoInit(&io, buf, sizeof(buf), 1);
    WriteString(&io, name);
    SvcIdentity self = { IPC_INVALID_HANDLE, SERVICE_TYPE_NORMAL, (uintptr_t)stub };
    CHECK(WriteRemoteObject(&io, &self));
    MessageOption opt;
    MessageOptionInit(&opt);
    uintptr_t b;
    CHECK_EQ(SendRequest(*GetContextObject(), SM_REG, &io, &reply, opt, &b), ERR_NONE);
    FreeBuffer((void *)b);
}

static int32_t api_stub(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption o)
{
    (void)o;
    const uint8_t *p = ReadBuffer(data, PAYLOAD);
    if (code == B_PIN) {
        int32_t cpu;
        memcpy(&cpu, p, 4);
        pin_self(cpu);
    }
    WriteBuffer(reply, p, PAYLOAD);
    return ERR_NONE;
}

static void *api_thread(void *arg)
{
    static IpcObjectStub stub = { .func = api_stub };
    reg("api", &stub);
    tsync_post(arg, 2);
    JoinWorkThread();
    return NULL;
}

static void *raw_thread(void *arg)
{
    static IpcObjectStub unused = { .func = api_stub };
    reg("raw", &unused);        /* grants the client access to this thread */
    tsync_post(arg, 3);
    for (;;) {
        IpcContent c = { .flag = RECV };
        if (lipc_send_recv(&c, LIPC_WAIT_FOREVER) != 0)
            continue;
        IpcMsg *in = c.inMsg;
        if (in->code == B_PIN) {
            int32_t cpu;
            memcpy(&cpu, in->data, 4);
            pin_self(cpu);
        }
        char out[PAYLOAD];
        memcpy(out, in->data, in->dataSz < PAYLOAD ? in->dataSz : PAYLOAD);
        IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                     .flag = in->flag, .timestamp = in->timestamp, .dataSz = PAYLOAD, .data = out };
        IpcContent r = { .flag = SEND | BUFF_FREE, .outMsg = &m, .buffToFree = in };
        lipc_send_recv(&r, 0);
    }
    return NULL;
}

static int server_main(void *arg)
{
    (void)arg;
    struct tsync local;
    tsync_init(&local);
    tthread(sm_thread, &local);
    CHECK_EQ(tsync_wait(&local), 1);
    tthread(api_thread, &local);
    CHECK_EQ(tsync_wait(&local), 2);
    tthread(raw_thread, &local);
    CHECK_EQ(tsync_wait(&local), 3);
    tsync_post(&g_ev, 1);
    for (;;)
        pause();
}

/* ---- client --------------------------------------------------------------- */

static SvcIdentity g_api, g_raw;
static char g_payload[PAYLOAD];

static SvcIdentity lookup(const char *name)
{
    char buf[128];
    IpcIo io, reply;
    IpcIoInit(&io, buf, sizeof(buf), 0);
    WriteString(&io, name);
    MessageOption opt;
    MessageOptionInit(&opt);
    uintptr_t b;
    CHECK_EQ(SendRequest(*GetContextObject(), SM_GET, &io, &reply, opt, &b), ERR_NONE);
    int32_t r = -1;
    SvcIdentity s = { 0 };
    CHECK(ReadInt32(&reply, &r) && r == 0 && ReadRemoteObject(&reply, &s));
    FreeBuffer((void *)b);
    return s;
}

static void api_call_to(SvcIdentity target, uint32_t code)
{
    char buf[PAYLOAD + 16];
    IpcIo io, reply;
    IpcIoInit(&io, buf, sizeof(buf), 0);
    WriteBuffer(&io, g_payload, PAYLOAD);
    MessageOption opt;
    MessageOptionInit(&opt);
    uintptr_t b;
    CHECK_EQ(SendRequest(target, code, &io, &reply, opt, &b), ERR_NONE);
    CHECK(ReadBuffer(&reply, PAYLOAD) != NULL);
    FreeBuffer((void *)b);
}

static void raw_call_to(SvcIdentity target, uint32_t code)
{
    IpcMsg m = { .type = MT_REQUEST, .target = target, .code = code, .dataSz = PAYLOAD, .data = g_payload };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &m };
    CHECK_EQ(lipc_send_recv(&c, 5000), 0);
    CHECK_EQ(c.inMsg->dataSz, PAYLOAD);
    IpcContent f = { .flag = BUFF_FREE, .buffToFree = c.inMsg };
    CHECK_EQ(lipc_send_recv(&f, 0), 0);
}

static void api_call(uint32_t code) { api_call_to(g_api, code); }
static void raw_call(uint32_t code) { raw_call_to(g_raw, code); }

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

struct row { const char *scenario, *placement; uint64_t p50, p99, raw50, raw99; };

/* n samples of each, interleaved in blocks; idle_ns before each call. */
static void measure(struct row *r, size_t n, uint64_t idle_ns)
{
    uint64_t *a = calloc(n, 8), *w = calloc(n, 8);
    CHECK(a && w);
    size_t block = idle_ns ? 1 : 500;
    for (size_t i = 0; i < 200 && !idle_ns; i++) {      /* warm-up */
        api_call(B_ECHO);
        raw_call(B_ECHO);
    }
    for (size_t done = 0; done < n;) {
        size_t k = n - done < block ? n - done : block;
        for (size_t j = 0; j < k; j++) {
            if (idle_ns)
                usleep((useconds_t)(idle_ns / 1000));
            uint64_t t0 = now_ns();
            raw_call(B_ECHO);
            w[done + j] = now_ns() - t0;
        }
        for (size_t j = 0; j < k; j++) {
            if (idle_ns)
                usleep((useconds_t)(idle_ns / 1000));
            uint64_t t0 = now_ns();
            api_call(B_ECHO);
            a[done + j] = now_ns() - t0;
        }
        done += k;
    }
    qsort(a, n, 8, cmp_u64);
    qsort(w, n, 8, cmp_u64);
    r->p50 = pct(a, n, 0.5);
    r->p99 = pct(a, n, 0.99);
    r->raw50 = pct(w, n, 0.5);
    r->raw99 = pct(w, n, 0.99);
    free(a);
    free(w);
}

/* --split: client side x serving thread, n samples each, interleaved in
 * blocks of 500. */
static void measure_split(size_t n, FILE *txt)
{
    static const char *name[4] = { "raw -> raw loop", "API -> raw loop", "raw -> API stub", "API -> API stub" };
    uint64_t *v[4];
    for (int k = 0; k < 4; k++)
        CHECK((v[k] = calloc(n, 8)) != NULL);
    for (size_t i = 0; i < 200; i++)    /* warm-up */
        for (int k = 0; k < 4; k++)
            (k & 1 ? api_call_to : raw_call_to)(k & 2 ? g_api : g_raw, B_ECHO);
    for (size_t done = 0; done < n;) {
        size_t blk = n - done < 500 ? n - done : 500;
        for (int k = 0; k < 4; k++)
            for (size_t j = 0; j < blk; j++) {
                uint64_t t0 = now_ns();
                (k & 1 ? api_call_to : raw_call_to)(k & 2 ? g_api : g_raw, B_ECHO);
                v[k][done + j] = now_ns() - t0;
            }
        done += blk;
    }
    fprintf(txt, "hot cross, %d B each way, ns (client side -> serving thread)\n", PAYLOAD);
    fprintf(txt, "%-16s %8s %8s %8s %9s\n", "pairing", "p10", "p50", "p90", "vs raw");
    uint64_t base = 0;
    for (int k = 0; k < 4; k++) {
        qsort(v[k], n, 8, cmp_u64);
        uint64_t p50 = pct(v[k], n, 0.5);
        if (k == 0)
            base = p50;
        fprintf(txt, "%-16s %8llu %8llu %8llu %+8.1f%%\n", name[k], (unsigned long long)pct(v[k], n, 0.1),
                (unsigned long long)p50, (unsigned long long)pct(v[k], n, 0.9),
                ((double)p50 / (double)base - 1.0) * 100.0);
        free(v[k]);
    }
}

static void pin_server(int cpu)
{
    memcpy(g_payload, &cpu, 4);
    api_call(B_PIN);
    raw_call(B_PIN);
    memset(g_payload, 0x5a, sizeof(g_payload));
}

int main(int argc, char **argv)
{
    int quick = 0, json = 0, split = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--split") == 0)
            split = 1;
        else {
            fprintf(stdout, "usage: %s [--quick] [--json] [--split]\n", argv[0]);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    FILE *txt = json ? stderr : stdout;
    cpu_set_t all;
    CHECK(sched_getaffinity(0, sizeof(all), &all) == 0);
    int cpus[2] = { -1, -1 }, nc = 0;
    for (int c = 0; c < CPU_SETSIZE && nc < 2; c++)
        if (CPU_ISSET(c, &all))
            cpus[nc++] = c;

    struct lipc_test_broker brk;
    tbroker_start(&brk);
    tsync_init(&g_ev);
    pid_t srv = lipc_test_fork();
    if (srv == 0)
        _exit(server_main(NULL));
    CHECK_EQ(tsync_wait_t(&g_ev, 10000), 1);
    g_api = lookup("api");
    g_raw = lookup("raw");

    size_t hot = quick ? 2000 : 50000, cold = quick ? 20 : 300;
    if (split) {
        if (nc < 2) {
            fprintf(txt, "--split needs 2 CPUs\n");
        } else {
            CHECK(pin_self(cpus[0]) == 0);
            pin_server(cpus[1]);
            measure_split(hot, txt);
        }
        kill(srv, SIGKILL);
        lipc_test_wait(srv);
        lipc_test_broker_stop(&brk);
        return 0;
    }
    struct row rows[4];
    int nr = 0;
    fprintf(txt, "SendRequest + reply (ipc_skeleton.h) vs raw lipc_send_recv, %d B each way, ns\n", PAYLOAD);
    fprintf(txt, "%-8s %-9s %5s %10s %10s %10s %10s %9s\n", "scenario", "placement", "size", "api p50",
            "api p99", "raw p50", "raw p99", "overhead");
    for (int pl = 0; pl < 2; pl++) {
        const char *pname = pl == 0 ? "cross" : "same";
        if (pl == 0 && nc < 2) {
            fprintf(txt, "%-8s %-9s skipped: needs 2 CPUs\n", "hot", pname);
            continue;
        }
        int ccpu = cpus[0], scpu = pl == 0 ? cpus[1] : cpus[0];
        CHECK(pin_self(ccpu) == 0);
        pin_server(scpu);
        for (int sc = 0; sc < 2; sc++) {
            struct row *r = &rows[nr++];
            r->scenario = sc == 0 ? "hot" : "cold";
            r->placement = pname;
            measure(r, sc == 0 ? hot : cold, sc == 0 ? 0 : 10000000ull);
            double ratio = (double)r->p50 / (double)r->raw50;
            fprintf(txt, "%-8s %-9s %5d %10llu %10llu %10llu %10llu %+8.1f%%\n", r->scenario, r->placement,
                    PAYLOAD, (unsigned long long)r->p50, (unsigned long long)r->p99,
                    (unsigned long long)r->raw50, (unsigned long long)r->raw99, (ratio - 1.0) * 100.0);
            if (json)
                printf("{\"bench\":\"ipc_sendrequest\",\"scenario\":\"%s\",\"placement\":\"%s\",\"size\":%d,"
                       "\"p50_ns\":%llu,\"p99_ns\":%llu,\"raw_p50_ns\":%llu,\"raw_p99_ns\":%llu,\"ratio\":%.3f}\n",
                       r->scenario, r->placement, PAYLOAD, (unsigned long long)r->p50,
                       (unsigned long long)r->p99, (unsigned long long)r->raw50,
                       (unsigned long long)r->raw99, ratio);
        }
    }
    fprintf(txt, "target: api p50 <= 1.10 x raw p50 (overhead <= 10 %%)\n");
    kill(srv, SIGKILL);
    lipc_test_wait(srv);
    lipc_test_broker_stop(&brk);
    return 0;
}

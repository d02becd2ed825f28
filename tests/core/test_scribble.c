/*
 * A sender scribbling over its shared memory: the receiver stays up and
 * reports errors.
 *
 * Processes: the broker; a CMS server S (single IPC thread, echoes requests,
 * its stderr goes to a log file); two honest clients H1, H2 calling S all the
 * time; a series of malicious senders M0..Mn-1, one after the other (a channel
 * is marked broken at the first bad length and ignored from then on,
 * so every malicious process gets a fresh channel); one malicious receiver
 * MT; the coordinator (this process, no device until the end).
 *
 * Each Mi: makes legit calls so that its channel to S exists, finds its own
 * read-write ring mapping in /proc/self/maps (memfd "liteipc-ring", rw-s) and
 * checks that everything of another process it maps (the server's ring to it,
 * the return page of its ring, the server's public page) is read-only:
 * mprotect(PROT_WRITE) fails with EACCES and a write kills a raw-fork()ed
 * child (no atfork handlers: the child keeps the mappings) with SIGSEGV.
 * Then phase A writes, straight into the ring, entries with valid lengths
 * but bad kinds / types / data_sz / target tids / src tids (another
 * process's tid, the receiver's own tid, init, 0), mixed with valid requests,
 * respecting the return page's tail, and waits until S consumed them all
 * (tail == head: S dropped and released every bad entry, served the good
 * ones).  Entries are committed as the runtime does (an entry's len is its
 * commit word: written last, with a 0 marker after it).  Phase B is one
 * channel-breaking scribble, a different one per process: random bytes over
 * the whole ring and its header, a length that is not a multiple of 64, the
 * length of the whole ring (more than the receiver may track), a PAD of the
 * whole ring, length 0xffffffc0, the length of two rings, a PAD of
 * 0xffffffc0, length 0xffffffff, random bytes over the entries, a random
 * commit word.
 * Its own calls afterwards may
 * fail (ETIME/EIO/ENOMEM) or succeed (its runtime's head is behind the tail
 * the server published after the raw writes: it refuses to send, EIO).
 *
 * MT scribbles the tail in the return page of S's ring to it (the receiver's
 * page) before every call: S reads that tail only when the free space it
 * knows of runs out, so MT may get up to a ring of honest answers; after
 * that S's replies to MT fail with EIO (nothing of MT's unread data is
 * overwritten) and MT gets no answer (ETIME), for good.
 *
 * Checks: every call of H1/H2 succeeds with the right answer and no gap
 * between two answers exceeds 2 s (S never hangs); every Mi and MT exit
 * cleanly; S's log has a "channel from pid <Mi>" line for every Mi; S saw at
 * least one EIO reply; S exits cleanly when the coordinator says so.
 *
 * Not scribbled here: a TICKET entry with valid fields (a placeholder for a
 * broker-path message that never comes) blocks S's receive loop; see
 * test_scribble_ticket.c.
 *
 * The random choices use a fixed seed (printed; LIPC_SCRIBBLE_SEED=n to
 * change it).
 */
#include "lipc_dev_util.h"
#include "lipc_proto.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>

#define POOL (64 * 1024)
#define NMAL 10
#define QUIT_CODE 99

static struct lipc_test_broker g_brk;
static uint64_t g_seed = 0x5c81bb1e2026ull;
static pid_t g_coord, g_srv, g_h1;
static char g_log[400];

/* ---- random ---------------------------------------------------------------- */

static uint64_t g_rng;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}
static uint32_t rndn(uint32_t n) { return (uint32_t)(rnd() % n); }

/* ---- the server ------------------------------------------------------------ */

struct srv_stats {
    uint32_t served, replies_ok, replies_eio, replies_other, oneway, from_coord;
};

static int server_main(void *arg)
{
    struct tsync *ready = arg;
    int lfd = open(g_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(lfd >= 0);
    CHECK(dup2(lfd, 2) == 2);
    close(lfd);
    setvbuf(stderr, NULL, _IONBF, 0);
    int fd = tdev_open_map(POOL);
    CHECK(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096) == 0);
    tsync_post(ready, (uint32_t)lipc_gettid());
    struct srv_stats st = { 0 };
    static char buf[POOL];
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv(fd, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);        /* a receive never hands out anything else */
        CHECK(in->dataSz == 0 || in->data != NULL);
        CHECK(in->dataSz <= POOL);
        st.served++;
        if ((pid_t)in->processID == g_coord && in->code == QUIT_CODE) {
            st.from_coord++;
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &st, sizeof(st)), 0);
            return 0;
        }
        if (in->flag == LITEIPC_FLAG_ONEWAY) {
            st.oneway++;
            CHECK_EQ(tdev_free(fd, in), 0);
            continue;
        }
        uint32_t n = in->dataSz < 2048 ? in->dataSz : 2048;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = (char)(((const char *)in->data)[i] + 1);
        int r = tdev_reply(fd, in, MT_REPLY, buf, n);   /* frees in, whatever the result */
        if (r == 0)
            st.replies_ok++;
        else if (r == -EIO)
            st.replies_eio++;
        else
            st.replies_other++;
    }
}

/* ---- honest clients -------------------------------------------------------- */

static int honest_main(void *arg)
{
    const int *stop = arg;
    int stop_fd = stop[0];
    close(stop[1]);                             /* EOF when the coordinator closes its end */
    tdev_open_map(POOL);
    unsigned calls = 0;
    long long last = lipc_test_now_ms(), worst = 0;
    for (;;) {
        struct pollfd p = { .fd = stop_fd, .events = POLLIN };
        if (poll(&p, 1, 0) == 1)
            break;                              /* the coordinator closed it */
        char msg[64];
        int len = snprintf(msg, sizeof(msg), "honest %d call %u", (int)getpid(), calls) + 1;
        IpcMsg *in = NULL;
        int r = tdev_call_t(0, 1, msg, (uint32_t)len, 3000, &in);
        if (r != 0)
            fprintf(stderr, "honest client %d: call %u: %s\n", (int)getpid(), calls, strerror(-r));
        CHECK_EQ(r, 0);
        CHECK_EQ(in->type, MT_REPLY);
        CHECK_EQ(in->processID, (uint32_t)g_srv);
        CHECK_EQ(in->dataSz, (uint32_t)len);
        for (int k = 0; k < len; k++)
            CHECK(((const char *)in->data)[k] == (char)(msg[k] + 1));
        IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
        calls++;
        long long now = lipc_test_now_ms();
        if (now - last > worst)
            worst = now - last;
        last = now;
        usleep(500);
    }
    printf("honest client %d: %u calls, longest wait %lld ms\n", (int)getpid(), calls, worst);
    CHECK(calls >= 20);
    CHECK(worst < 2000);
    return 0;
}

/* ---- mappings ---------------------------------------------------------------- */

struct mapping {
    uint8_t *addr;
    size_t len;
    bool writable;
    unsigned long offset;       /* in the memfd */
    char name[32];
};

static int find_mappings(struct mapping *out, int max)
{
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f != NULL);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof(line), f) && n < max) {
        unsigned long lo, hi;
        char perms[8];
        int pos = 0;
        unsigned long off = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &lo, &hi, perms, &off, &pos) < 4)
            continue;
        const char *path = line + pos;
        const char *m = strstr(path, "/memfd:liteipc-");
        if (!m)
            continue;
        m += strlen("/memfd:");
        struct mapping *mp = &out[n++];
        mp->addr = (uint8_t *)lo;
        mp->len = hi - lo;
        mp->writable = perms[1] == 'w';
        mp->offset = off;
        size_t k = 0;
        while (m[k] && m[k] != ' ' && m[k] != '\n' && k + 1 < sizeof(mp->name)) {
            mp->name[k] = m[k];
            k++;
        }
        mp->name[k] = 0;
    }
    fclose(f);
    return n;
}

/* A mapping of another process's memory: not writable in any way. */
static void check_readonly(const struct mapping *m)
{
    errno = 0;
    CHECK(mprotect(m->addr, m->len, PROT_READ | PROT_WRITE) == -1);
    CHECK(errno == EACCES);
    fflush(stdout);
    fflush(stderr);
    pid_t p = (pid_t)syscall(SYS_fork);         /* no atfork handlers: the mapping stays */
    CHECK(p >= 0);
    if (p == 0) {
        signal(SIGSEGV, SIG_DFL);
        volatile uint8_t v = m->addr[0];        /* mapped and readable */
        m->addr[0] = (uint8_t)(v + 1);          /* must fault */
        _exit(0);
    }
    int code = lipc_test_wait_t(p, 5000);
    if (code != 128 + SIGSEGV)
        fprintf(stderr, "write to %s at %p: child exit code %d, expected SIGSEGV\n", m->name, (void *)m->addr,
                code);
    CHECK_EQ(code, 128 + SIGSEGV);
}

/* ---- malicious senders ---------------------------------------------------- */

struct ring {
    uint8_t *map;                    /* ring memfd, read-write (ours) */
    uint8_t *data;
    size_t size;
    const struct lipc_ring_ret *ret; /* the receiver's return page, read-only */
    uint64_t head;
    size_t pend[64];                 /* appended, not committed yet: their offsets */
    uint32_t pend_len[64];
    unsigned npend;
};

static _Atomic uint64_t *ring_head(struct ring *r) { return &((struct lipc_ring_ctl *)r->map)->head; }

/* Stores an entry's commit word (its len) at ring offset pos. */
static void commit_at(struct ring *r, size_t pos, uint32_t len)
{
    __atomic_store_n((uint32_t *)(r->data + pos % r->size), len, __ATOMIC_RELEASE);
}

/* Commits what was appended, as one batch: the marker after the last entry,
 * then the entries last to first, so the receiver sees all or none. */
static void publish(struct ring *r)
{
    if (!r->npend)
        return;
    commit_at(r, (size_t)(r->head % r->size), 0);
    while (r->npend) {
        r->npend--;
        commit_at(r, r->pend[r->npend], r->pend_len[r->npend]);
    }
    atomic_store_explicit(ring_head(r), r->head, memory_order_release);
}

/* Waits until the receiver released everything published (max 3 s). */
static bool wait_drained(struct ring *r)
{
    for (int i = 0; i < 3000; i++) {
        if (atomic_load(&r->ret->tail) == r->head)
            return true;
        usleep(1000);
    }
    return false;
}

/* Appends an entry (header e, data) the way the runtime does, uncommitted
 * until publish(): never past the receiver's tail, one unit kept free for
 * the marker; an entry that passes the end of the ring runs on into the
 * ring's second view, mapped right behind the first. */
static bool append(struct ring *r, struct lipc_rent e, const void *d, uint32_t dlen)
{
    size_t need = (sizeof(e) + dlen + 63) & ~(size_t)63;
    size_t pos = (size_t)(r->head % r->size);
    size_t total = need + 64;
    if (r->npend + 2 > 64)
        publish(r);
    for (int i = 0; r->head - atomic_load(&r->ret->tail) + total > r->size; i++) {
        if (i == 2000)
            return false;
        publish(r);                 /* the receiver can't free what it can't see */
        usleep(1000);
    }
    e.len = 0;
    memcpy(r->data + pos, &e, sizeof(e));
    if (dlen)
        memcpy(r->data + pos + sizeof(e), d, dlen);
    r->pend[r->npend] = pos;
    r->pend_len[r->npend++] = (uint32_t)need;
    r->head += need;
    return true;
}

static const char *const g_breakers[] = {
    "random bytes over the whole ring", "length not a multiple of 64", "length of the whole ring",
    "PAD of the whole ring", "length 0xffffffc0", "length of two rings", "PAD of 0xffffffc0",
    "length 0xffffffff", "random bytes over the entries", "random commit word",
};

static int mal_main(void *arg)
{
    int idx = (int)(intptr_t)arg;
    g_rng = g_seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(idx + 1));
    int fd = tdev_open_map(POOL);
    (void)fd;
    pid_t me = lipc_gettid();
    for (int i = 0; i < 3; i++) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_call_t(0, 1, "legit", 6, 3000, &in), 0);
        IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
    }

    struct mapping maps[32];
    int nm = find_mappings(maps, 32);
    struct ring r = { 0 };
    int nring_rw = 0;
    for (int i = 0; i < nm; i++) {
        /* a ring is mapped [header][data][data again]: the view at offset 0 */
        if (!strcmp(maps[i].name, "liteipc-ring") && maps[i].writable && maps[i].offset == 0) {
            nring_rw++;
            r.map = maps[i].addr;
            r.size = maps[i].len - LIPC_RING_HDR_SIZE;
            r.data = r.map + LIPC_RING_HDR_SIZE;
        } else if (!strcmp(maps[i].name, "liteipc-ret") && !maps[i].writable) {
            r.ret = (const struct lipc_ring_ret *)maps[i].addr;
        }
    }
    CHECK_EQ(nring_rw, 1);                      /* our ring to the server */
    CHECK(r.ret != NULL);
    if (idx == 0) {
        /* the server's ring to us, the return page of our ring, the server's
         * public page: all read-only for us */
        int nro = 0;
        for (int i = 0; i < nm; i++) {
            if (maps[i].writable)
                continue;
            if (strcmp(maps[i].name, "liteipc-ring") && strcmp(maps[i].name, "liteipc-ret") &&
                strcmp(maps[i].name, "liteipc-pub"))
                continue;
            check_readonly(&maps[i]);
            nro++;
        }
        CHECK(nro >= 3);
        printf("scribbler %d: %d read-only mappings checked (mprotect EACCES, write SIGSEGV)\n", (int)getpid(), nro);
    }
    r.head = atomic_load(ring_head(&r));
    CHECK(wait_drained(&r));

    /* phase A: entries with valid lengths and bad fields, and valid ones */
    const uint32_t bad_tids[] = { 0, 0xffffffffu, (uint32_t)g_coord, (uint32_t)g_h1, 1, 0x3fffffffu };
    unsigned nbad = 0, ngood = 0;
    for (int round = 0; round < 40; round++) {
        for (int k = 0; k < 8; k++) {
            struct lipc_rent e = { .kind = LIPC_RENT_MSG, .type = MT_REQUEST, .code = 1,
                                   .flag = LITEIPC_FLAG_ONEWAY, .target_tid = (uint32_t)g_srv,
                                   .timestamp = (uint64_t)round, .src_tid = (uint32_t)me };
            uint8_t d[256];
            for (size_t i = 0; i < sizeof(d); i++)
                d[i] = (uint8_t)rnd();
            uint32_t dlen = rndn(200);
            bool good = false, bad_dsz = false;
            switch (rndn(12)) {
            case 0: e.kind = (uint32_t[]){ 0, 4, 0xffffffffu, LIPC_RENT_PAD, 0x80000001u }[rndn(5)]; break;
            case 1: e.type = (uint32_t[]){ MT_DEATH_NOTIFY, MT_NUM, 0xffffffffu, 77 }[rndn(4)]; break;
            case 2: bad_dsz = true; break;                         /* set after append */
            case 3: e.target_tid = bad_tids[rndn(6)]; break;
            case 4: e.src_tid = (uint32_t)g_coord; break;          /* another process's live tid */
            case 5: e.src_tid = (uint32_t)g_srv; break;            /* the receiver's own tid */
            case 6: e.src_tid = (uint32_t[]){ 0, 1, 0xffffffffu }[rndn(3)]; break;
            case 7: e.kind = LIPC_RENT_TICKET; e.src_tid = (uint32_t)g_coord; break;   /* dropped */
            case 8: e.type = MT_REPLY; break;                      /* a receive drops replies */
            case 9: e.type = MT_FAILED_REPLY; e.flag = 0; break;
            case 10: e.flag = LITEIPC_FLAG_DEFAULT; e.timestamp = 0; good = true; break;  /* S answers */
            default: good = true; break;                           /* one-way request */
            }
            e.data_sz = dlen;
            if (!append(&r, e, d, dlen))
                break;
            if (bad_dsz || (!good && rndn(4) == 0)) {  /* data_sz past the entry */
                size_t at = (size_t)((r.head - ((sizeof(e) + dlen + 63) & ~(size_t)63)) % r.size);
                uint32_t bad = (uint32_t)(((sizeof(e) + dlen + 63) & ~(size_t)63) - sizeof(e) + 1 + rndn(1000));
                if (bad_dsz && rndn(2))
                    bad = 0xffffffffu;
                memcpy(r.data + at + offsetof(struct lipc_rent, data_sz), &bad, 4);
            }
            good ? ngood++ : nbad++;
        }
        publish(&r);
        usleep(200);
    }
    if (!wait_drained(&r)) {
        fprintf(stderr, "scribbler %d: head %" PRIu64 " tail %" PRIu64 ": not drained\n", (int)getpid(), r.head,
                (uint64_t)atomic_load(&r.ret->tail));
        CHECK(0);
    }

    /* phase B: one channel-breaking scribble */
    int how = idx % (int)(sizeof(g_breakers) / sizeof(g_breakers[0]));
    size_t pos = (size_t)(r.head % r.size);
    struct lipc_rent e = { .len = 64, .kind = LIPC_RENT_MSG, .type = MT_REQUEST, .target_tid = (uint32_t)g_srv,
                           .src_tid = (uint32_t)me };
    switch (how) {
    case 0:
        for (size_t i = 0; i < LIPC_RING_HDR_SIZE + r.size; i++)
            r.map[i] = (uint8_t)rnd();
        commit_at(&r, pos, (uint32_t)rnd() | 1u);  /* never 0: something is there */
        break;
    case 1: e.len = 64 + 1 + rndn(62); goto one;
    case 2: e.len = (uint32_t)r.size; goto one;     /* more than the receiver may track */
    case 3: e.kind = LIPC_RENT_PAD; e.len = (uint32_t)r.size; goto one;
    case 4: e.len = 0xffffffc0u; goto one;
    case 5: e.len = (uint32_t)(2 * r.size); goto one;
    case 6: e.kind = LIPC_RENT_PAD; e.len = 0xffffffc0u; goto one;
    case 7: e.len = 0xffffffffu; goto one;
    one:
        memcpy(r.data + pos, &e, sizeof(e));
        break;
    case 8:
        for (size_t i = 0; i < r.size; i++)
            r.data[i] = (uint8_t)rnd();
        commit_at(&r, pos, (uint32_t)rnd() | 1u);  /* never 0: something is there */
        break;
    case 9: commit_at(&r, pos, (uint32_t)rnd() | 1u); break;
    }
    printf("scribbler %d: %u bad + %u good entries, then: %s\n", (int)getpid(), nbad, ngood, g_breakers[how]);
    /* our own calls now: no answer, or an error, or (if the server got to
     * them before the scribble) an answer; never a crash */
    for (int i = 0; i < 3; i++) {
        IpcMsg *in = NULL;
        int rc = tdev_call_t(0, 1, "late", 5, 150, &in);
        CHECK(rc == 0 || rc == -ETIME || rc == -EIO || rc == -ENOMEM);
        if (rc == 0) {
            IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
            CHECK_EQ(lipc_send_recv(&c, 0), 0);
        }
    }
    return 0;
}

/* ---- a malicious receiver: scribbles the tail of the server's ring to it */

static int tail_main(void *arg)
{
    (void)arg;
    tdev_open_map(POOL);
    for (int i = 0; i < 3; i++) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_call_t(0, 1, "legit", 6, 3000, &in), 0);
        IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
    }
    struct mapping maps[32];
    int nm = find_mappings(maps, 32);
    struct lipc_ring_ret *ret = NULL;
    int n = 0;
    for (int i = 0; i < nm; i++)
        if (!strcmp(maps[i].name, "liteipc-ret") && maps[i].writable) {
            ret = (struct lipc_ring_ret *)maps[i].addr;
            n++;
        }
    CHECK_EQ(n, 1);                             /* the return page of the server's ring to us */
    /* The server reads our tail only when the free space it knows of runs
     * out (at most one ring, POOL bytes, of replies); from then on it must
     * refuse to reply.  Our runtime rewrites the tail when it takes an
     * answer in, so scribble before every call. */
    int answered = 0, rc = 0;
    for (int k = 0; k < (int)(POOL / 64) + 8; k++) {
        uint64_t bad = k % 2 ? UINT64_MAX / 2 : atomic_load(&ret->tail) + 64;
        atomic_store(&ret->tail, bad);          /* "released" what was never sent */
        IpcMsg *in = NULL;
        rc = tdev_call_t(0, 1, "tail", 5, 300, &in);
        if (rc != 0)
            break;
        CHECK(in->dataSz == 5 && !memcmp(in->data, "ubjm", 4));    /* an honest answer */
        answered++;
        IpcContent c = { .flag = BUFF_FREE, .buffToFree = in };
        CHECK_EQ(lipc_send_recv(&c, 0), 0);
    }
    if (rc != -ETIME)
        fprintf(stderr, "tail scribbler: call returned %d after %d answers\n", rc, answered);
    CHECK_EQ(rc, -ETIME);                       /* the server stopped replying */
    rc = tdev_call_t(0, 1, "tail", 5, 300, NULL);
    CHECK_EQ(rc, -ETIME);                       /* for good */
    printf("tail scribbler %d: %d answers, then none after scribbling the return page\n", (int)getpid(),
           answered);
    return 0;
}

int main(void)
{
    tfailfast_init();
    const char *s = getenv("LIPC_SCRIBBLE_SEED");
    if (s)
        g_seed = strtoull(s, NULL, 0);
    printf("test_scribble: seed %#" PRIx64 "\n", g_seed);
    long long t0 = lipc_test_now_ms();
    g_coord = getpid();
    tbroker_start(&g_brk);
    snprintf(g_log, sizeof(g_log), "%s/server.log", g_brk.dir);

    struct tsync ready;
    tsync_init(&ready);
    g_srv = tfork(server_main, &ready);
    CHECK_EQ(tsync_wait_t(&ready, 10000), (uint32_t)g_srv);

    int stop[2];
    CHECK(pipe(stop) == 0);
    pid_t h[2];
    for (int i = 0; i < 2; i++) {
        h[i] = tfork(honest_main, stop);
        if (i == 0)
            g_h1 = h[0];
    }
    close(stop[0]);

    pid_t mal[NMAL];
    for (int i = 0; i < NMAL; i++) {
        mal[i] = tfork(mal_main, (void *)(intptr_t)i);
        CHECK_EQ(lipc_test_wait_t(mal[i], 20000), 0);
    }
    pid_t tl = tfork(tail_main, NULL);
    CHECK_EQ(lipc_test_wait_t(tl, 20000), 0);

    usleep(100000);                             /* the honest clients keep calling a bit longer */
    close(stop[1]);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(lipc_test_wait_t(h[i], 20000), 0);

    /* the server is still there and answers the coordinator */
    int fd = tdev_open_map(POOL);
    (void)fd;
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call_t(0, QUIT_CODE, NULL, 0, 5000, &in), 0);
    struct srv_stats st;
    CHECK_EQ(in->dataSz, sizeof(st));
    memcpy(&st, in->data, sizeof(st));
    CHECK_EQ(lipc_test_wait_t(g_srv, 10000), 0);
    printf("server: %u requests served, %u replies ok, %u EIO, %u other errors, %u one-way\n", st.served,
           st.replies_ok, st.replies_eio, st.replies_other, st.oneway);
    CHECK(st.replies_eio >= 1);

    /* it reported every broken channel */
    FILE *f = fopen(g_log, "r");
    CHECK(f != NULL);
    static char logbuf[65536];
    size_t n = fread(logbuf, 1, sizeof(logbuf) - 1, f);
    logbuf[n] = 0;
    fclose(f);
    printf("server log:\n%s", logbuf);
    for (int i = 0; i < NMAL; i++) {
        char want[64];
        snprintf(want, sizeof(want), "liteipc: channel from pid %d: ", (int)mal[i]);
        if (!strstr(logbuf, want))
            fprintf(stderr, "no report for scribbler %d (%s)\n", (int)mal[i], g_breakers[i % NMAL]);
        CHECK(strstr(logbuf, want) != NULL);
    }
    unlink(g_log);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_scribble: ok (%lld ms)\n", lipc_test_now_ms() - t0);
    return 0;
}

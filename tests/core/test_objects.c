/*
 * Special objects (§1.12) between real processes, IPC_MSG_DATA layout:
 * SpecialObj placed in data at offsets[i] (size_t[]).
 *   R: the CMS process; reports what it receives (C_OBJS), sends an OBJ_PTR
 *      back (C_PTRBACK), takes service registrations (OBJ_SVC {-1, token 1})
 *      and hands the registered service out in a reply (C_GET).
 *   S: a service process; its thread X registers itself with R.
 *   P (this process): the client.
 * OBJ_FD: the receiver gets its own descriptor (another number) that works.
 * OBJ_PTR: the buffer lands in the receiver's pool (inside the mmap'd
 *   region), equal contents, a block of its own freed separately
 *   (a second free -> EFAULT).
 * OBJ_SVC: {-1, 1} becomes the sender's tid and grants the receiver access;
 *   {-1, token != 1} -> EINVAL; {-1, 1} from the CMS task -> EINVAL; a handle
 *   the sender has no access to -> EACCES; handle 0 or a dead task ->
 *   EINVAL; a passed handle grants the receiver access.
 */
#include "lipc_dev_util.h"

#include <fcntl.h>
#include <stdbool.h>

enum { C_OBJS = 1, C_PTRBACK, C_PRE, C_REG, C_GET, C_PING, C_QUIT };

#define MAXO 8
#define HDR_MAGIC 0x1122334455667788ull
#define TAIL_MAGIC 0xa5a5a5a55a5a5a5aull
#define R_POOL (256 * 1024)

struct objsum {
    uint32_t n, data_ok;
    int32_t type[MAXO];
    int32_t fd[MAXO];
    uint32_t ptrsz[MAXO], ptr_in_pool[MAXO];
    uint64_t ptrsum[MAXO];
    int32_t svc_handle[MAXO];
    uint64_t svc_token[MAXO], svc_cookie[MAXO];
};

static struct lipc_test_broker g_brk;
static struct tsync g_s2p, g_p2s;

static uint64_t bsum(const void *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + ((const unsigned char *)p)[i];
    return s;
}

static void fill(void *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        ((unsigned char *)p)[i] = (unsigned char)(i * 13 + seed);
}

/* A message: 8-byte header, the objects back to back, an 8-byte tail (a
 * dataSz that is no multiple of 8 is test_objects_unaligned's). */
struct omsg {
    char data[8 + MAXO * sizeof(SpecialObj) + 8];
    size_t offs[MAXO];
    IpcMsg m;
};

static IpcMsg *omsg_build(struct omsg *o, int32_t handle, uint32_t code, const SpecialObj *objs, unsigned n)
{
    uint64_t h = HDR_MAGIC, t = TAIL_MAGIC;
    memcpy(o->data, &h, 8);
    for (unsigned i = 0; i < n; i++) {
        o->offs[i] = 8 + i * sizeof(SpecialObj);
        memcpy(o->data + o->offs[i], &objs[i], sizeof(SpecialObj));
    }
    memcpy(o->data + 8 + n * sizeof(SpecialObj), &t, 8);
    o->m = (IpcMsg){ .type = MT_REQUEST, .target.handle = handle, .code = code,
                     .dataSz = (uint32_t)(8 + n * sizeof(SpecialObj) + 8), .data = o->data,
                     .spObjNum = n, .offsets = n ? o->offs : NULL };
    return &o->m;
}

static SpecialObj obj_fd(int fd)
{
    SpecialObj o = { .type = OBJ_FD };
    o.content.fd = (uint32_t)fd;
    return o;
}

static SpecialObj obj_ptr(void *p, uint32_t n)
{
    SpecialObj o = { .type = OBJ_PTR };
    o.content.ptr.buff = p;
    o.content.ptr.buffSz = n;
    return o;
}

static SpecialObj obj_svc(int32_t h, uintptr_t token, uintptr_t cookie)
{
    SpecialObj o = { .type = OBJ_SVC };
    o.content.svc.handle = h;
    o.content.svc.token = token;
    o.content.svc.cookie = cookie;
    return o;
}

static SpecialObj get_obj(const IpcMsg *in, uint32_t i)
{
    SpecialObj o;
    CHECK(i < in->spObjNum);
    size_t off = ((const size_t *)in->offsets)[i];
    CHECK(off + sizeof(o) <= in->dataSz);
    memcpy(&o, (const char *)in->data + off, sizeof(o));
    return o;
}

/* ---- R: the CMS -------------------------------------------------------- */

static char *g_rpool;

static bool in_pool(const char *pool, size_t size, const void *p, size_t n)
{
    return (const char *)p >= pool && (const char *)p + n <= pool + size;
}

static void r_objs(int fd, IpcMsg *in)
{
    struct objsum s = { .n = in->spObjNum };
    uint64_t h, t;
    memcpy(&h, in->data, 8);
    memcpy(&t, (char *)in->data + in->dataSz - 8, 8);
    s.data_ok = h == HDR_MAGIC && t == TAIL_MAGIC;
    /* the offsets arrive as sent */
    for (uint32_t i = 0; i < in->spObjNum; i++)
        CHECK_EQ(((size_t *)in->offsets)[i], 8 + i * sizeof(SpecialObj));
    void *ptrs[MAXO] = { 0 };
    for (uint32_t i = 0; i < in->spObjNum && i < MAXO; i++) {
        SpecialObj o = get_obj(in, i);
        s.type[i] = o.type;
        if (o.type == OBJ_FD) {
            int rfd = (int)o.content.fd;
            struct stat st;
            CHECK(fstat(rfd, &st) == 0);
            CHECK(S_ISFIFO(st.st_mode));
            char c = (char)('A' + i);
            CHECK(write(rfd, &c, 1) == 1);
            CHECK(close(rfd) == 0);
            s.fd[i] = rfd;
        } else if (o.type == OBJ_PTR) {
            s.ptrsz[i] = o.content.ptr.buffSz;
            s.ptr_in_pool[i] = in_pool(g_rpool, R_POOL, o.content.ptr.buff, o.content.ptr.buffSz);
            s.ptrsum[i] = bsum(o.content.ptr.buff, o.content.ptr.buffSz);
            /* not the message block */
            CHECK(!in_pool((char *)in, sizeof(IpcMsg) + in->dataSz, o.content.ptr.buff, 1));
            ptrs[i] = o.content.ptr.buff;
        } else if (o.type == OBJ_SVC) {
            s.svc_handle[i] = o.content.svc.handle;
            s.svc_token[i] = o.content.svc.token;
            s.svc_cookie[i] = o.content.svc.cookie;
        }
    }
    CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &s, sizeof(s)), 0);
    /* the message is freed; its OBJ_PTR buffers are still ours, intact */
    for (uint32_t i = 0; i < MAXO; i++) {
        if (!ptrs[i])
            continue;
        CHECK_EQ(bsum(ptrs[i], s.ptrsz[i]), s.ptrsum[i]);
        CHECK_EQ(tdev_free(fd, ptrs[i]), 0);
        CHECK_EQ(tdev_free(fd, ptrs[i]), -EFAULT);
    }
}

static int cms_main(void *arg)
{
    (void)arg;
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    g_rpool = lipc_dev_mmap(NULL, R_POOL, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(g_rpool != MAP_FAILED);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)(1 << 20)), 0);
    tsync_post(&g_s2p, 0);
    int32_t svc = 0;
    static char big[5000];
    fill(big, sizeof(big), 5);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        switch (in->code) {
        case C_OBJS:
            r_objs(fd, in);
            break;
        case C_PTRBACK: {
            struct omsg o;
            SpecialObj p = obj_ptr(big, sizeof(big));
            omsg_build(&o, 0, 0, &p, 1);
            IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                         .timestamp = in->timestamp, .dataSz = o.m.dataSz, .data = o.data, .spObjNum = 1,
                         .offsets = o.offs };
            CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, in, NULL), 0);
            break;
        }
        case C_PRE: {   /* sync call from X: we have no access to X yet */
            CHECK_EQ(tdev_oneway(fd, (int32_t)in->taskID, C_PING, NULL, 0), -EACCES);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, NULL, 0), 0);
            break;
        }
        case C_REG: {   /* one-way from X carrying OBJ_SVC {-1, 1, 77} */
            CHECK_EQ(in->spObjNum, 1);
            SpecialObj o = get_obj(in, 0);
            CHECK_EQ(o.type, OBJ_SVC);
            CHECK_EQ(o.content.svc.handle, (int32_t)in->taskID);
            CHECK_EQ(o.content.svc.token, 1);
            CHECK_EQ(o.content.svc.cookie, 77);
            CHECK_EQ(tdev_free(fd, in), 0);
            IpcMsg *r = NULL;
            CHECK_EQ(tdev_call(fd, o.content.svc.handle, C_PING, NULL, 0, &r), 0);
            CHECK_EQ(r->type, MT_REPLY);
            CHECK_EQ(tdev_free(fd, r), 0);
            /* the CMS task cannot offer itself as a service */
            struct omsg om;
            SpecialObj me = obj_svc(-1, 1, 0);
            CHECK_EQ(tdev_msg(fd, SEND, omsg_build(&om, o.content.svc.handle, C_PING, &me, 1), NULL, NULL),
                     -EINVAL);
            svc = o.content.svc.handle;
            break;
        }
        case C_GET: {   /* reply: the registered service, token 5 */
            if (!svc) {
                CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
                break;
            }
            struct omsg o;
            SpecialObj so = obj_svc(svc, 5, 6);
            omsg_build(&o, 0, 0, &so, 1);
            IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)in->taskID, .code = in->code,
                         .timestamp = in->timestamp, .dataSz = o.m.dataSz, .data = o.data, .spObjNum = 1,
                         .offsets = o.offs };
            CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, in, NULL), 0);
            break;
        }
        case C_QUIT:    /* one-way (a reply + exit race is test_reply_exit's) */
            CHECK_EQ(tdev_free(fd, in), 0);
            return 0;
        default:
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

/* ---- S: service X ----------------------------------------------------- */

static void *dead_thread(void *arg)
{
    *(pid_t *)arg = lipc_gettid();
    return NULL;
}

static int service_main(void *arg)
{
    (void)arg;
    int fd = tdev_open_map(64 * 1024);
    pid_t dead = 0;
    tthread_join(tthread(dead_thread, &dead));
    twait_tid_gone(dead);
    struct omsg o;
    SpecialObj so;
    /* handle -1 needs token 1 */
    so = obj_svc(-1, 0, 77);
    CHECK_EQ(tdev_msg(fd, SEND, omsg_build(&o, 0, C_REG, &so, 1), NULL, NULL), -EINVAL);
    so = obj_svc(-1, 2, 77);
    CHECK_EQ(tdev_msg(fd, SEND, omsg_build(&o, 0, C_REG, &so, 1), NULL, NULL), -EINVAL);
    /* handle 0 and a dead task are no services */
    so = obj_svc(0, 1, 77);
    CHECK_EQ(tdev_msg(fd, SEND, omsg_build(&o, 0, C_REG, &so, 1), NULL, NULL), -EINVAL);
    so = obj_svc(dead, 1, 77);
    CHECK_EQ(tdev_msg(fd, SEND, omsg_build(&o, 0, C_REG, &so, 1), NULL, NULL), -EINVAL);
    /* nothing arrived at R from those; now register for real */
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, C_PRE, NULL, 0, &in), 0);
    CHECK_EQ(tdev_free(fd, in), 0);
    so = obj_svc(-1, 1, 77);
    IpcMsg *m = omsg_build(&o, 0, C_REG, &so, 1);
    m->flag = LITEIPC_FLAG_ONEWAY;
    CHECK_EQ(tdev_msg(fd, SEND, m, NULL, NULL), 0);
    tsync_post(&g_s2p, (uint32_t)lipc_gettid());
    for (;;) {
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        if (in->code == C_PING) {
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, "pong", 4), 0);
        } else if (in->code == C_QUIT) {
            CHECK_EQ(tdev_free(fd, in), 0);
            return 0;
        } else {
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

/* ---- P: the client ---------------------------------------------------- */

static struct objsum call_objs(int fd, const SpecialObj *objs, unsigned n)
{
    struct omsg o;
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, omsg_build(&o, 0, C_OBJS, objs, n), NULL, &in), 0);
    CHECK_EQ(in->type, MT_REPLY);
    CHECK_EQ(in->spObjNum, 0);
    CHECK_EQ(in->dataSz, sizeof(struct objsum));
    struct objsum s;
    memcpy(&s, in->data, sizeof(s));
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(s.n, n);
    CHECK_EQ(s.data_ok, 1);
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(s.type[i], objs[i].type);
    return s;
}

static int call_objs_err(int fd, const SpecialObj *objs, unsigned n)
{
    struct omsg o;
    IpcMsg *in = NULL;
    int r = tdev_msg(fd, SEND | RECV, omsg_build(&o, 0, C_OBJS, objs, n), NULL, &in);
    CHECK(r < 0);
    return r;
}

static void read_byte(int rfd, char want)
{
    char c = 0;
    CHECK(read(rfd, &c, 1) == 1);
    CHECK_EQ(c, want);
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    tsync_init(&g_s2p);
    tsync_init(&g_p2s);
    pid_t r = tfork(cms_main, NULL);
    CHECK_EQ(tsync_wait_t(&g_s2p, 10000), 0);
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    char *pool = lipc_dev_mmap(NULL, 128 * 1024, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(pool != MAP_FAILED);

    /* ---- OBJ_FD ---------------------------------------------------------- */
    int p1[2], p2[2];
    CHECK(pipe(p1) == 0 && pipe(p2) == 0);
    CHECK(dup2(p1[1], 200) == 200 && dup2(p2[1], 201) == 201);
    SpecialObj objs[MAXO];
    objs[0] = obj_fd(200);
    struct objsum s = call_objs(fd, objs, 1);
    printf("OBJ_FD: sent fd 200, the receiver got fd %d\n", s.fd[0]);
    CHECK(s.fd[0] >= 0 && s.fd[0] != 200);
    read_byte(p1[0], 'A');
    /* we keep our descriptor */
    CHECK(write(200, "z", 1) == 1);
    read_byte(p1[0], 'z');
    /* two descriptors and a pointer in one message */
    static char pb[3000];
    fill(pb, sizeof(pb), 1);
    objs[0] = obj_fd(201);
    objs[1] = obj_ptr(pb, sizeof(pb));
    objs[2] = obj_fd(200);
    s = call_objs(fd, objs, 3);
    CHECK(s.fd[0] >= 0 && s.fd[2] >= 0 && s.fd[0] != s.fd[2]);
    read_byte(p2[0], 'A');
    read_byte(p1[0], 'C');
    CHECK_EQ(s.ptrsz[1], sizeof(pb));
    CHECK_EQ(s.ptr_in_pool[1], 1);
    CHECK_EQ(s.ptrsum[1], bsum(pb, sizeof(pb)));
    /* a descriptor we do not have */
    objs[0] = obj_fd(987);
    int e = call_objs_err(fd, objs, 1);
    printf("OBJ_FD of a closed descriptor: %d (%s)\n", e, strerror(-e));
    CHECK(e == -EBADF || e == -EINVAL);

    /* ---- OBJ_PTR --------------------------------------------------------- */
    static char pbig[40000];
    fill(pbig, sizeof(pbig), 9);
    objs[0] = obj_ptr(pb, 1);
    objs[1] = obj_ptr(pbig, sizeof(pbig));
    objs[2] = obj_ptr(pb + 100, 777);
    s = call_objs(fd, objs, 3);
    CHECK_EQ(s.ptrsz[0], 1);
    CHECK_EQ(s.ptrsz[1], sizeof(pbig));
    CHECK_EQ(s.ptrsz[2], 777);
    CHECK(s.ptr_in_pool[0] && s.ptr_in_pool[1] && s.ptr_in_pool[2]);
    CHECK_EQ(s.ptrsum[0], bsum(pb, 1));
    CHECK_EQ(s.ptrsum[1], bsum(pbig, sizeof(pbig)));
    CHECK_EQ(s.ptrsum[2], bsum(pb + 100, 777));
    objs[0] = obj_ptr(NULL, 10);
    CHECK_EQ(call_objs_err(fd, objs, 1), -EINVAL);
    objs[0] = obj_ptr(pb, 0);
    CHECK_EQ(call_objs_err(fd, objs, 1), -EINVAL);
    objs[0] = obj_ptr((void *)(uintptr_t)4096, 10);     /* not mapped */
    CHECK_EQ(call_objs_err(fd, objs, 1), -EINVAL);
    /* an OBJ_PTR in a reply: into our pool, freed separately */
    IpcMsg *in = NULL;
    CHECK_EQ(tdev_call(fd, 0, C_PTRBACK, NULL, 0, &in), 0);
    CHECK_EQ(in->spObjNum, 1);
    SpecialObj po = get_obj(in, 0);
    CHECK_EQ(po.type, OBJ_PTR);
    CHECK_EQ(po.content.ptr.buffSz, 5000);
    CHECK(in_pool(pool, 128 * 1024, po.content.ptr.buff, 5000));
    char want[5000];
    fill(want, sizeof(want), 5);
    CHECK(memcmp(po.content.ptr.buff, want, 5000) == 0);
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK(memcmp(po.content.ptr.buff, want, 5000) == 0);    /* still ours */
    CHECK_EQ(tdev_free(fd, po.content.ptr.buff), 0);
    CHECK_EQ(tdev_free(fd, po.content.ptr.buff), -EFAULT);
    CHECK_EQ(tdev_free(fd, in), -EFAULT);

    /* ---- OBJ_SVC ---------------------------------------------------------- */
    pid_t srv = tfork(service_main, NULL);
    pid_t x = (pid_t)tsync_wait_t(&g_s2p, 10000);
    CHECK_EQ(x, srv);                  /* X is S's main thread */
    /* passing a handle we have no access to: EACCES; handle 0: EINVAL */
    objs[0] = obj_svc(x, 0, 0);
    CHECK_EQ(call_objs_err(fd, objs, 1), -EACCES);
    objs[0] = obj_svc(0, 0, 0);
    CHECK_EQ(call_objs_err(fd, objs, 1), -EINVAL);
    CHECK_EQ(tdev_call(fd, x, C_PING, NULL, 0, &in), -EACCES);
    /* R hands X out once X registered */
    int rr;
    for (int i = 0; (rr = tdev_call(fd, 0, C_GET, NULL, 0, &in)) == -ENOENT && i < 500; i++)
        usleep(2000);
    CHECK_EQ(rr, 0);
    CHECK_EQ(in->spObjNum, 1);
    SpecialObj got = get_obj(in, 0);
    CHECK_EQ(got.type, OBJ_SVC);
    CHECK_EQ(got.content.svc.handle, x);
    CHECK_EQ(got.content.svc.token, 5);
    CHECK_EQ(got.content.svc.cookie, 6);
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(tdev_call(fd, x, C_PING, NULL, 0, &in), 0);
    CHECK_EQ(in->dataSz, 4);
    CHECK(memcmp(in->data, "pong", 4) == 0);
    CHECK_EQ(in->processID, srv);
    CHECK_EQ(in->taskID, x);
    CHECK_EQ(tdev_free(fd, in), 0);
    /* now we may pass it on; and {-1, 1} from us is our own tid */
    objs[0] = obj_svc(x, 9, 10);
    objs[1] = obj_svc(-1, 1, 11);
    s = call_objs(fd, objs, 2);
    CHECK_EQ(s.svc_handle[0], x);
    CHECK_EQ(s.svc_token[0], 9);
    CHECK_EQ(s.svc_cookie[0], 10);
    CHECK_EQ(s.svc_handle[1], lipc_gettid());
    CHECK_EQ(s.svc_token[1], 1);
    CHECK_EQ(s.svc_cookie[1], 11);

    /* all kinds together */
    objs[0] = obj_svc(x, 1, 2);
    objs[1] = obj_fd(200);
    objs[2] = obj_ptr(pbig, 1000);
    objs[3] = obj_fd(201);
    objs[4] = obj_ptr(pb, sizeof(pb));
    s = call_objs(fd, objs, 5);
    CHECK_EQ(s.svc_handle[0], x);
    read_byte(p1[0], 'B');
    read_byte(p2[0], 'D');
    CHECK_EQ(s.ptrsum[2], bsum(pbig, 1000));
    CHECK_EQ(s.ptrsum[4], bsum(pb, sizeof(pb)));

    CHECK_EQ(tdev_oneway(fd, x, C_QUIT, NULL, 0), 0);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);
    CHECK_EQ(tdev_oneway(fd, 0, C_QUIT, NULL, 0), 0);
    CHECK_EQ(lipc_test_wait_t(r, 10000), 0);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_objects: ok\n");
    return 0;
}

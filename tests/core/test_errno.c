/*
 * Every errno path of the LiteIPC driver contract (openharmony-reference.md
 * §1.5-§1.15) that applies on Linux, between real processes:
 *   P (this process): the client, and for the reply checks also a server of
 *     requests its own threads send it;
 *   S (forked): the CMS (a dedicated thread, maxMsgSize 200) and a service
 *     thread "svc" that P gets access to through CMS_ADD_ACCESS.
 * Deviations tested as documented: handle >= 0x400000 is EINVAL, the
 * offsets array is size_t[], IPC_MSG_DATA_SZ_MAX is enforced by the ioctl but
 * not by lipc_send_recv.
 */
#include "lipc_dev_util.h"

#include <fcntl.h>
#include <semaphore.h>

enum {
    C_ECHO = 1,     /* CMS: reply with the request's data */
    C_FAIL,         /* CMS: MT_FAILED_REPLY */
    C_GRANT,        /* CMS: CMS_ADD_ACCESS {data: tid} to svc; reply int32 result */
    C_CMSCHECK,     /* CMS: run the IPC_CMS_CMD errno checks; reply 0 */
    C_EXIT,         /* CMS (one-way): the CMS thread exits (process lives) */
    C_SUM,          /* svc: reply {len, byte sum} */
    C_NOREPLY,      /* svc: free the request, never reply */
    C_SLOW,         /* svc: reply after 5.2 s (expects ETIME), then free -> EFAULT */
    C_QUIT,         /* svc (one-way): the svc thread exits */
};

#define CMS_MAX 200u
#define POOL (256 * 1024)

static struct lipc_test_broker g_brk;

/* ---- S: the CMS and svc threads ------------------------------------------ */

static int g_sfd;
static pid_t g_cms_tid, g_svc_tid;
static sem_t g_cms_ready, g_svc_ready;

struct sum { uint32_t len; uint64_t sum; };

static void free_ptr_objs(int fd, IpcMsg *in)
{
    for (uint32_t i = 0; i < in->spObjNum; i++) {
        SpecialObj o;
        memcpy(&o, (char *)in->data + ((size_t *)in->offsets)[i], sizeof(o));
        if (o.type == OBJ_PTR)
            CHECK_EQ(tdev_free(fd, o.content.ptr.buff), 0);
    }
}

static void *dead_thread(void *arg)
{
    *(pid_t *)arg = lipc_gettid();
    return NULL;
}

static pid_t make_dead_tid(void)
{
    pid_t tid = 0;
    tthread_join(tthread(dead_thread, &tid));
    twait_tid_gone(tid);
    return tid;
}

/* §1.8, run by the CMS thread; client = the requesting task. */
static void cms_checks(int fd, pid_t client)
{
    uint32_t h = 12345;
    pid_t dead = make_dead_tid();
    /* NULL -> EINVAL (even in the CMS process) */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, NULL), EINVAL);
    /* GEN_HANDLE: dead task, out of range, the CMS task itself (by tid and by 0) */
    CHECK_EQ(tdev_cms(fd, CMS_GEN_HANDLE, (uint32_t)dead, 0, &h), -EINVAL);
    CHECK_EQ(tdev_cms(fd, CMS_GEN_HANDLE, 0x400000, 0, &h), -EINVAL);
    CHECK_EQ(tdev_cms(fd, CMS_GEN_HANDLE, (uint32_t)lipc_gettid(), 0, &h), -EINVAL);
    CHECK_EQ(tdev_cms(fd, CMS_GEN_HANDLE, 0, 0, &h), -EINVAL);
    /* a live task of another process: handle == its tid */
    h = 0;
    CHECK_EQ(tdev_cms(fd, CMS_GEN_HANDLE, (uint32_t)client, 0, &h), 0);
    CHECK_EQ(h, client);
    /* REMOVE_HANDLE: a no-op, range-checked */
    CHECK_EQ(tdev_cms(fd, CMS_REMOVE_HANDLE, 0, (uint32_t)g_svc_tid, NULL), 0);
    CHECK_EQ(tdev_cms(fd, CMS_REMOVE_HANDLE, 0, 0x400000, NULL), -EINVAL);
    /* ADD_ACCESS for a dead task / an out-of-range task */
    CHECK_EQ(tdev_cms(fd, CMS_ADD_ACCESS, (uint32_t)dead, (uint32_t)g_svc_tid, NULL), -EINVAL);
    CHECK_EQ(tdev_cms(fd, CMS_ADD_ACCESS, 0x400000, (uint32_t)g_svc_tid, NULL), -EINVAL);
    /* unknown command */
    CHECK_EQ(tdev_cms(fd, (CmsCmd)7, 0, 0, NULL), -EINVAL);
}

static void *cms_main(void *arg)
{
    (void)arg;
    int fd = g_sfd;
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)CMS_MAX), 0);
    /* a second CMS, even in the same process: EEXIST */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)CMS_MAX), EEXIST);
    g_cms_tid = lipc_gettid();
    sem_post(&g_cms_ready);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        free_ptr_objs(fd, in);
        int32_t r = 0;
        switch (in->code) {
        case C_ECHO:
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, in->spObjNum ? NULL : in->data,
                                in->spObjNum ? 0 : in->dataSz), 0);
            break;
        case C_FAIL:
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
            break;
        case C_GRANT:
            CHECK_EQ(in->dataSz, 4);
            r = tdev_cms(fd, CMS_ADD_ACCESS, *(uint32_t *)in->data, (uint32_t)g_svc_tid, NULL);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, sizeof(r)), 0);
            break;
        case C_CMSCHECK:
            cms_checks(fd, (pid_t)in->taskID);
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &r, sizeof(r)), 0);
            break;
        case C_EXIT:    /* one-way (the reply + exit race is test_reply_exit's) */
            CHECK_EQ(tdev_free(fd, in), 0);
            return NULL;
        default:
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

static void *svc_main(void *arg)
{
    (void)arg;
    int fd = g_sfd;
    tdev_touch();
    /* any thread of the CMS process may use IPC_CMS_CMD; taskID 0 = caller */
    uint32_t h = 0;
    CHECK_EQ(tdev_cms(fd, CMS_GEN_HANDLE, 0, 0, &h), 0);
    CHECK_EQ(h, lipc_gettid());
    g_svc_tid = lipc_gettid();
    sem_post(&g_svc_ready);
    for (;;) {
        IpcMsg *in = NULL;
        CHECK_EQ(tdev_recv_t(LIPC_WAIT_FOREVER, &in), 0);
        CHECK_EQ(in->type, MT_REQUEST);
        switch (in->code) {
        case C_SUM: {
            struct sum s = { in->dataSz, 0 };
            for (uint32_t i = 0; i < in->dataSz; i++)
                s.sum += ((unsigned char *)in->data)[i];
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, &s, sizeof(s)), 0);
            break;
        }
        case C_NOREPLY:
            CHECK_EQ(tdev_free(fd, in), 0);
            break;
        case C_SLOW:
            usleep(5200 * 1000);
            /* a reply older than 5 s: ETIME, and the request is freed anyway */
            CHECK_EQ(tdev_reply(fd, in, MT_REPLY, NULL, 0), -ETIME);
            CHECK_EQ(tdev_free(fd, in), -EFAULT);
            break;
        case C_QUIT:    /* one-way */
            CHECK_EQ(tdev_free(fd, in), 0);
            return NULL;
        default:
            CHECK_EQ(tdev_reply(fd, in, MT_FAILED_REPLY, NULL, 0), 0);
        }
    }
}

static struct tsync g_s2p, g_p2s;

static int server_main(void *arg)
{
    (void)arg;
    g_sfd = tdev_open_map(POOL);
    sem_init(&g_cms_ready, 0, 0);
    sem_init(&g_svc_ready, 0, 0);
    pthread_t ct = tthread(cms_main, NULL);
    sem_wait(&g_cms_ready);
    pthread_t st = tthread(svc_main, NULL);
    sem_wait(&g_svc_ready);
    tsync_post(&g_s2p, (uint32_t)g_cms_tid);
    tsync_post(&g_s2p, (uint32_t)g_svc_tid);
    tthread_join(ct);
    tthread_join(st);
    tsync_post(&g_s2p, 1);          /* both threads are gone */
    tsync_wait(&g_p2s);             /* exit when told */
    return 0;
}

/* ---- P: reply checks against requests from our own thread T ------------- */

static pid_t g_main_tid;
static struct tsync g_t2m;          /* T -> main: "call 3 timed out" */

static void *t_main(void *arg)
{
    (void)arg;
    IpcMsg *in = NULL;
    /* a second IPC thread in the same process: EINVAL */
    int fd = *(int *)arg;
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), EINVAL);
    CHECK_EQ(tdev_call_t(g_main_tid, 1, "1", 1, 400, &in), -ETIME);
    CHECK_EQ(tdev_call_t(g_main_tid, 2, "2", 1, 400, &in), -ETIME);
    CHECK_EQ(tdev_call_t(g_main_tid, 3, "3", 1, 400, &in), -ETIME);
    tsync_post(&g_t2m, 3);
    /* the late reply to call 3 must not be taken for the reply to call 4 */
    CHECK_EQ(tdev_call_t(g_main_tid, 4, "4", 1, 3000, &in), 0);
    CHECK_EQ(in->type, MT_REPLY);
    CHECK_EQ(in->dataSz, 1);
    CHECK_EQ(((char *)in->data)[0], '4');
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(tdev_oneway(fd, g_main_tid, 5, "5", 1), 0);
    return NULL;
}

static IpcMsg mkreply(const IpcMsg *rq)
{
    IpcMsg m = { .type = MT_REPLY, .target.handle = (int32_t)rq->taskID, .code = rq->code, .flag = rq->flag,
                 .timestamp = rq->timestamp };
    return m;
}

static void reply_checks(int fd)
{
    g_main_tid = lipc_gettid();
    tsync_init(&g_t2m);
    pthread_t t = tthread(t_main, &fd);
    IpcMsg *rq = NULL, m;

    /* call 1: reply without BUFF_FREE -> EINVAL (the request stays ours);
     * reply with a wrong timestamp -> EINVAL, and the request is freed */
    CHECK_EQ(tdev_recv(fd, &rq), 0);
    CHECK_EQ(rq->code, 1);
    CHECK_EQ(rq->processID, getpid());
    m = mkreply(rq);
    CHECK_EQ(tdev_msg(fd, SEND, &m, NULL, NULL), -EINVAL);
    m.type = MT_FAILED_REPLY;
    CHECK_EQ(tdev_msg(fd, SEND, &m, NULL, NULL), -EINVAL);
    m = mkreply(rq);
    m.timestamp++;
    CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, rq, NULL), -EINVAL);
    CHECK_EQ(tdev_free(fd, rq), -EFAULT);

    /* call 2: reply to the wrong task -> EINVAL, freed */
    CHECK_EQ(tdev_recv(fd, &rq), 0);
    CHECK_EQ(rq->code, 2);
    m = mkreply(rq);
    m.target.handle = g_main_tid;
    CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, rq, NULL), -EINVAL);
    CHECK_EQ(tdev_free(fd, rq), -EFAULT);

    /* call 3: a valid reply after the caller gave up is accepted by the
     * driver (< 5 s old) but never delivered as the reply to a later call */
    CHECK_EQ(tdev_recv(fd, &rq), 0);
    CHECK_EQ(rq->code, 3);
    CHECK_EQ(tsync_wait_t(&g_t2m, 5000), 3);
    CHECK_EQ(tdev_reply(fd, rq, MT_REPLY, "3", 1), 0);

    /* call 4: good reply */
    CHECK_EQ(tdev_recv(fd, &rq), 0);
    CHECK_EQ(rq->code, 4);
    CHECK_EQ(tdev_reply(fd, rq, MT_REPLY, "4", 1), 0);

    /* a reply to a one-way request -> EINVAL, freed */
    CHECK_EQ(tdev_recv(fd, &rq), 0);
    CHECK_EQ(rq->code, 5);
    CHECK_EQ(rq->flag, LITEIPC_FLAG_ONEWAY);
    m = mkreply(rq);
    CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, rq, NULL), -EINVAL);
    CHECK_EQ(tdev_free(fd, rq), -EFAULT);
    tthread_join(t);

    /* SEND fails (user-sent MT_DEATH_NOTIFY), the BUFF_FREE part still frees */
    CHECK_EQ(tdev_oneway(fd, g_main_tid, 6, NULL, 0), 0);
    CHECK_EQ(tdev_recv(fd, &rq), 0);
    CHECK_EQ(rq->code, 6);
    m = (IpcMsg){ .type = MT_DEATH_NOTIFY, .target.handle = g_main_tid };
    CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, rq, NULL), -EINVAL);
    CHECK_EQ(tdev_free(fd, rq), -EFAULT);

    /* a bad BUFF_FREE aborts the whole call: nothing is sent */
    int local;
    m = (IpcMsg){ .type = MT_REQUEST, .target.handle = g_main_tid, .code = 7, .flag = LITEIPC_FLAG_ONEWAY };
    CHECK_EQ(tdev_msg(fd, SEND | BUFF_FREE, &m, &local, NULL), -EINVAL);
    CHECK_EQ(tdev_recv_t(100, &rq), -ETIME);
    /* a request to ourselves works, and arrives once */
    CHECK_EQ(tdev_msg(fd, SEND, &m, NULL, NULL), 0);
    CHECK_EQ(tdev_recv_t(1000, &rq), 0);
    CHECK_EQ(rq->code, 7);
    CHECK_EQ(rq->taskID, g_main_tid);
    CHECK_EQ(tdev_free(fd, rq), 0);
    CHECK_EQ(tdev_recv_t(50, &rq), -ETIME);
}

/* ---- P: SEND parameter checks (§1.11.1) ---------------------------------- */

static void send_para_checks(int fd, pid_t svc)
{
    IpcMsg *in = NULL;
    char data[8192];
    memset(data, 'a', sizeof(data));
    IpcMsg m = { .type = MT_REQUEST, .target.handle = 0, .code = C_ECHO, .dataSz = 8, .data = data };
    /* the control message works */
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &m, NULL, &in), 0);
    CHECK_EQ(in->dataSz, 8);
    CHECK_EQ(tdev_free(fd, in), 0);
    /* outMsg NULL */
    CHECK_EQ(tdev_msg(fd, SEND | RECV, NULL, NULL, &in), -EINVAL);
    CHECK_EQ(tdev_msg(fd, SEND, NULL, NULL, &in), -EINVAL);
    /* types: user space cannot send MT_DEATH_NOTIFY, nor MT_NUM or garbage */
    IpcMsg b = m;
    b.type = MT_DEATH_NOTIFY;
    CHECK_EQ(tdev_msg(fd, SEND, &b, NULL, NULL), -EINVAL);
    b.type = MT_NUM;
    CHECK_EQ(tdev_msg(fd, SEND, &b, NULL, NULL), -EINVAL);
    b.type = (MsgType)-1;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    /* dataSz > 0 with data NULL */
    b = m;
    b.data = NULL;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    /* spObjNum > 0 with offsets NULL */
    SpecialObj so = { .type = OBJ_SVC };
    so.content.svc.handle = -1;
    so.content.svc.token = 1;
    memcpy(data, &so, sizeof(so));
    b = m;
    b.dataSz = sizeof(SpecialObj);
    b.spObjNum = 1;
    b.offsets = NULL;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    /* dataSz < spObjNum * sizeof(SpecialObj) */
    size_t offs[IPC_MSG_OBJECT_NUM_MAX + 2];
    memset(offs, 0, sizeof(offs));
    b.offsets = offs;
    b.dataSz = sizeof(SpecialObj) - 1;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    b.dataSz = 2 * sizeof(SpecialObj) - 1;
    b.spObjNum = 2;
    offs[1] = sizeof(SpecialObj);
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    /* bad offsets: past the end, overlapping, decreasing */
    b.dataSz = 3 * sizeof(SpecialObj);
    b.spObjNum = 2;
    offs[0] = 0;
    offs[1] = 2 * sizeof(SpecialObj) + 1;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    offs[1] = sizeof(SpecialObj) - 1;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    offs[0] = sizeof(SpecialObj);
    offs[1] = 0;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    b.spObjNum = 1;
    offs[0] = 2 * sizeof(SpecialObj) + 1;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    /* an unknown object type */
    so.type = (ObjType)9;
    memcpy(data, &so, sizeof(so));
    offs[0] = 0;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);

    /* spObjNum > IPC_MSG_OBJECT_NUM_MAX (both entries) */
    static char big[(IPC_MSG_OBJECT_NUM_MAX + 1) * sizeof(SpecialObj)];
    b = m;
    b.data = big;
    b.dataSz = sizeof(big);
    b.spObjNum = IPC_MSG_OBJECT_NUM_MAX + 1;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    IpcContent c = { .flag = SEND | RECV, .outMsg = &b };
    CHECK_EQ(lipc_send_recv(&c, 1000), -EINVAL);

    /* the CMS size check: sizeof(IpcMsg) + data + 4*objs + ptr bytes <= 200 */
    b = m;
    b.dataSz = CMS_MAX - sizeof(IpcMsg);
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), 0);
    CHECK_EQ(in->dataSz, CMS_MAX - sizeof(IpcMsg));
    CHECK_EQ(tdev_free(fd, in), 0);
    b.dataSz++;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);
    c = (IpcContent){ .flag = SEND | RECV, .outMsg = &b };
    CHECK_EQ(lipc_send_recv(&c, 1000), -EINVAL);
    /* ... OBJ_PTR bytes count */
    char pbuf[128];
    memset(pbuf, 'p', sizeof(pbuf));
    SpecialObj po = { .type = OBJ_PTR };
    po.content.ptr.buff = pbuf;
    po.content.ptr.buffSz = CMS_MAX - sizeof(IpcMsg) - sizeof(SpecialObj) - 4;
    memcpy(data, &po, sizeof(po));
    offs[0] = 0;
    b = m;
    b.dataSz = sizeof(SpecialObj);
    b.spObjNum = 1;
    b.offsets = offs;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), 0);
    CHECK_EQ(tdev_free(fd, in), 0);
    po.content.ptr.buffSz++;
    memcpy(data, &po, sizeof(po));
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &b, NULL, &in), -EINVAL);

    /* data size: the ioctl enforces IPC_MSG_DATA_SZ_MAX, lipc_send_recv not */
    CHECK_EQ(IPC_MSG_DATA_SZ_MAX, 6553);
    static unsigned char k16[16384];
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof(k16); i++) {
        k16[i] = (unsigned char)(i * 7 + 3);
        sum += k16[i];
    }
    IpcMsg s = { .type = MT_REQUEST, .target.handle = svc, .code = C_SUM, .dataSz = IPC_MSG_DATA_SZ_MAX,
                 .data = k16 };
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &s, NULL, &in), 0);
    CHECK_EQ(((struct sum *)in->data)->len, IPC_MSG_DATA_SZ_MAX);
    CHECK_EQ(tdev_free(fd, in), 0);
    s.dataSz = IPC_MSG_DATA_SZ_MAX + 1;
    CHECK_EQ(tdev_msg(fd, SEND | RECV, &s, NULL, &in), -EINVAL);
    CHECK_EQ(tdev_msg(fd, SEND, &s, NULL, NULL), -EINVAL);
    s.dataSz = sizeof(k16);
    c = (IpcContent){ .flag = SEND | RECV, .outMsg = &s };
    CHECK_EQ(lipc_send_recv(&c, 3000), 0);
    CHECK_EQ(c.inMsg->type, MT_REPLY);
    CHECK_EQ(((struct sum *)c.inMsg->data)->len, sizeof(k16));
    CHECK_EQ(((struct sum *)c.inMsg->data)->sum, sum);
    CHECK_EQ(tdev_free(fd, c.inMsg), 0);
}

static int map1_child(void *arg)
{
    (void)arg;
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    void *p = lipc_dev_mmap(NULL, 1, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    IpcVersion v = { 0 };
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_GET_VERSION, &v), 0);
    CHECK_EQ(v.driverVersion, 2);
    CHECK(lipc_dev_mmap(NULL, 4095, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    return 0;
}

int main(void)
{
    tfailfast_init();
    tbroker_start(&g_brk);
    IpcMsg *in = NULL;
    IpcVersion v = { 0 };
    CmsCmdContent cc = { .cmd = CMS_GEN_HANDLE };
    IpcMsg m0 = { .type = MT_REQUEST, .target.handle = 0, .code = C_ECHO };
    IpcContent c0 = { .flag = SEND | RECV, .outMsg = &m0 };

    /* ---- §1.5: not a device fd; before mmap every ioctl is ENOMEM -------- */
    int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(nfd >= 0);
    CHECK_ERRNO(lipc_dev_ioctl(nfd, IPC_GET_VERSION, &v), EBADF);
    CHECK_ERRNO(lipc_dev_ioctl(-1, IPC_GET_VERSION, &v), EBADF);
    CHECK_EQ(lipc_send_recv(&c0, 100), -EINVAL);   /* nothing open */
    int fd = lipc_dev_open();
    CHECK(fd >= 0);
    CHECK_ERRNO(lipc_dev_ioctl(nfd, IPC_GET_VERSION, &v), EBADF);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_GET_VERSION, &v), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_GET_VERSION, NULL), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, NULL), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c0), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, NULL), ENOMEM);
    CHECK_ERRNO(lipc_dev_ioctl(fd, _IO('i', 99), NULL), ENOMEM);
    CHECK_EQ(lipc_send_recv(&c0, 100), -ENOMEM);

    /* ---- mmap rules ------------------------------------------------------ */
    CHECK(lipc_dev_mmap(NULL, POOL, PROT_READ, MAP_PRIVATE, nfd, 0) == MAP_FAILED);
    CHECK(lipc_dev_mmap(NULL, POOL, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(lipc_dev_mmap(NULL, POOL, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(lipc_dev_mmap(NULL, LITE_IPC_POOL_MAX_SIZE + 1, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(lipc_dev_mmap(NULL, LITE_IPC_POOL_MAX_SIZE + 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_GET_VERSION, &v), ENOMEM);    /* still not mapped */
    char *pool = lipc_dev_mmap(NULL, POOL, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(pool != MAP_FAILED);
    CHECK(lipc_dev_mmap(NULL, 4095, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    CHECK(lipc_dev_mmap(NULL, POOL, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    /* mmap of 1 byte is fine (another process: one pool per process) */
    CHECK_EQ(lipc_test_wait_t(tfork(map1_child, NULL), 10000), 0);

    /* ---- IPC_GET_VERSION, unknown ioctls, a second/closed device fd ------ */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_GET_VERSION, NULL), EINVAL);
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_GET_VERSION, &v), 0);
    CHECK_EQ(v.driverVersion, 2);
    CHECK_ERRNO(lipc_dev_ioctl(fd, _IO('i', 99), NULL), EINVAL);
    CHECK_ERRNO(lipc_dev_ioctl(fd, _IO('x', 4), NULL), EINVAL);
    int fd2 = lipc_dev_open();
    CHECK(fd2 >= 0 && fd2 != fd);
    v.driverVersion = 0;
    CHECK_EQ(lipc_dev_ioctl(fd2, IPC_GET_VERSION, &v), 0);
    CHECK_EQ(v.driverVersion, 2);
    CHECK_EQ(lipc_dev_close(fd2), 0);
    CHECK_ERRNO(lipc_dev_ioctl(fd2, IPC_GET_VERSION, &v), EBADF);

    /* ---- before any CMS exists ------------------------------------------- */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), EINVAL);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, NULL), EINVAL);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, &c0), EINVAL);
    CHECK_EQ(lipc_send_recv(&c0, 100), -EINVAL);
    CHECK_EQ(lipc_send_recv(NULL, 100), -EINVAL);
    CHECK_EQ(tdev_recv_t(10, &in), -EINVAL);
    /* IPC_SET_CMS: maxMsgSize < sizeof(IpcMsg) */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)0), EINVAL);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)(sizeof(IpcMsg) - 1)), EINVAL);

    /* ---- S: the CMS and svc --------------------------------------------- */
    tsync_init(&g_s2p);
    tsync_init(&g_p2s);
    pid_t srv = tfork(server_main, NULL);
    pid_t cms_tid = (pid_t)tsync_wait_t(&g_s2p, 10000);
    pid_t svc = (pid_t)tsync_wait_t(&g_s2p, 10000);
    CHECK(cms_tid != srv && svc != srv && cms_tid != svc);

    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), EEXIST);
    /* IPC_SET_IPC_THREAD returns the caller's tid; a second one is EINVAL */
    CHECK_EQ(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), lipc_gettid());
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_IPC_THREAD, NULL), EINVAL);
    /* IPC_CMS_CMD: NULL first, then not the CMS process */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, NULL), EINVAL);
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc), EACCES);
    cc = (CmsCmdContent){ .cmd = CMS_ADD_ACCESS, .taskID = (uint32_t)lipc_gettid(), .serviceHandle = (uint32_t)svc };
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc), EACCES);
    cc.cmd = CMS_REMOVE_HANDLE;
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_CMS_CMD, &cc), EACCES);
    /* IPC_SEND_RECV_MSG NULL */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SEND_RECV_MSG, NULL), EINVAL);

    /* the CMS-side IPC_CMS_CMD checks */
    CHECK_EQ(tdev_call(fd, 0, C_CMSCHECK, NULL, 0, &in), 0);
    CHECK_EQ(*(int32_t *)in->data, 0);
    CHECK_EQ(tdev_free(fd, in), 0);

    /* ---- access (§1.9): no grant -> EACCES, then granted ------------------ */
    CHECK_EQ(tdev_call(fd, svc, C_SUM, "x", 1, &in), -EACCES);
    CHECK_EQ(tdev_oneway(fd, svc, C_SUM, "x", 1), -EACCES);
    CHECK_EQ(tdev_call_t(svc, C_SUM, "x", 1, 1000, &in), -EACCES);
    CHECK_EQ(tdev_call(fd, cms_tid, C_ECHO, "x", 1, &in), -EACCES);  /* only handle 0 is free */
    uint32_t me = (uint32_t)lipc_gettid();
    CHECK_EQ(tdev_call(fd, 0, C_GRANT, &me, 4, &in), 0);
    CHECK_EQ(*(int32_t *)in->data, 0);
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(tdev_call(fd, svc, C_SUM, "x", 1, &in), 0);
    CHECK_EQ(((struct sum *)in->data)->sum, 'x');
    CHECK_EQ(tdev_free(fd, in), 0);

    /* ---- handles out of range / not alive -------------------------------- */
    CHECK_EQ(tdev_call(fd, 0x400000, C_SUM, NULL, 0, &in), -EINVAL);
    CHECK_EQ(tdev_call(fd, 0x7fffffff, C_SUM, NULL, 0, &in), -EINVAL);
    CHECK_EQ(tdev_call(fd, -2, C_SUM, NULL, 0, &in), -EINVAL);
    CHECK_EQ(tdev_oneway(fd, -1, C_SUM, NULL, 0), -EINVAL);
    /* a task that is gone (a thread of ours that exited): its handle names
     * no task any more; EACCES (no task, so no access: LiteOS-A recycles the
     * TCB, clearing its process) or EINVAL (not alive) are both defensible */
    pid_t dead = make_dead_tid();
    int r = tdev_call(fd, dead, C_SUM, NULL, 0, &in);
    CHECK(r == -EACCES || r == -EINVAL);

    send_para_checks(fd, svc);

    /* ---- failed reply, timeouts ------------------------------------------ */
    CHECK_EQ(tdev_call(fd, 0, C_FAIL, NULL, 0, &in), -ENOENT);
    CHECK_EQ(tdev_call_t(0, C_FAIL, NULL, 0, 1000, &in), -ENOENT);
    long long t0 = lipc_test_now_ms();
    CHECK_EQ(tdev_call_t(svc, C_NOREPLY, NULL, 0, 100, &in), -ETIME);
    long long dt = lipc_test_now_ms() - t0;
    printf("lipc_send_recv 100 ms timeout: ETIME after %lld ms\n", dt);
    CHECK(dt >= 95 && dt < 1000);
    /* the 5 s timeout of the ioctl; the server's reply then is > 5 s old */
    t0 = lipc_test_now_ms();
    CHECK_EQ(tdev_call(fd, svc, C_SLOW, NULL, 0, &in), -ETIME);
    dt = lipc_test_now_ms() - t0;
    printf("ioctl sync call: ETIME after %lld ms\n", dt);
    CHECK(dt >= 4950 && dt < 7000);

    /* ---- replies and BUFF_FREE (§1.11.2, §1.13) -------------------------- */
    CHECK_EQ(tdev_free(fd, NULL), -EINVAL);
    int local;
    CHECK_EQ(tdev_free(fd, &local), -EINVAL);
    CHECK_EQ(tdev_free(fd, pool - 4096), -EINVAL);
    CHECK_EQ(tdev_free(fd, pool + POOL + 4096), -EINVAL);
    CHECK_EQ(tdev_free(fd, pool + 4096), -EFAULT);     /* nothing is held now */
    CHECK_EQ(tdev_free(fd, pool + 128 * 1024 + 8), -EFAULT);
    CHECK_EQ(tdev_free(fd, pool), -EFAULT);
    CHECK_EQ(tdev_call(fd, 0, C_ECHO, "abc", 3, &in), 0);
    CHECK((char *)in >= pool && (char *)in < pool + POOL);
    CHECK_EQ(tdev_free(fd, (char *)in + 1), -EFAULT);
    CHECK_EQ(tdev_free(fd, in->data), -EFAULT);          /* inside the block, not its start */
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(tdev_free(fd, in), -EFAULT);
    reply_checks(fd);

    /* ---- the CMS thread exits, its process lives -------------------------- */
    CHECK_EQ(tdev_oneway(fd, svc, C_QUIT, NULL, 0), 0);
    CHECK_EQ(tdev_oneway(fd, 0, C_EXIT, NULL, 0), 0);
    CHECK_EQ(tsync_wait_t(&g_s2p, 10000), 1);
    /* handle 0 now names a dead task: EINVAL (no access problem: handle 0) */
    for (int i = 0; i < 200; i++) {             /* the broker learns it asynchronously */
        r = tdev_oneway(fd, 0, C_ECHO, NULL, 0);
        if (r == -EINVAL)
            break;
        usleep(5000);
    }
    CHECK_EQ(tdev_call(fd, 0, C_ECHO, NULL, 0, &in), -EINVAL);
    /* svc died: access is gone with it */
    r = tdev_call(fd, svc, C_SUM, NULL, 0, &in);
    CHECK(r == -EACCES || r == -EINVAL);
    /* we had access to svc and have an IPC thread (this one): exactly one
     * death notice, for svc; none for the CMS task (handle 0 is implicit) */
    CHECK_EQ(tdev_recv_t(2000, &in), 0);
    CHECK_EQ(in->type, MT_DEATH_NOTIFY);
    CHECK_EQ(in->target.token, (uintptr_t)svc);
    CHECK_EQ(tdev_free(fd, in), 0);
    CHECK_EQ(tdev_recv_t(200, &in), -ETIME);
    /* the CMS process still lives: no new CMS */
    CHECK_ERRNO(lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)4096), EEXIST);
    tsync_post(&g_p2s, 1);
    CHECK_EQ(lipc_test_wait_t(srv, 10000), 0);

    close(nfd);
    CHECK_EQ(lipc_test_broker_stop(&g_brk), 0);
    printf("test_errno: ok\n");
    return 0;
}

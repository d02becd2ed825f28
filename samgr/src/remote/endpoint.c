/*
 * endpoint.c - the process's samgr endpoint (openharmony-reference §3.9,
 * docs/SAMGR_REMOTE.md): routers (one per exported feature), their server
 * threads, the registrar thread that registers the endpoint and features
 * with the samgr server and re-registers them after a server restart.
 *
 * Threads:
 *  - one server thread per router ("samgr-r<token>"): its stub is bound to
 *    it and it runs JoinWorkThread; its tid is the handle the samgr server
 *    hands out for that feature.  Calls to different features never wait
 *    for each other (upstream: one boss thread for all).
 *  - one registrar thread ("samgr-ep"): its tid is the endpoint handle the
 *    server watches for death; it registers, pings the server every
 *    LIPC_SAMGR_PING_MS (default 500 ms) and re-registers everything when
 *    the server is gone or restarted (another epoch).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "iproxy_server.h"
#include "lipc_ipc.h"
#include "ohos_errno.h"
#include "policy.h"
#include "remote_internal.h"
#include "samgr_proto.h"
#include "service_registry.h"
#include "token_bucket.h"

#define MAX_ROUTERS 1024

typedef struct {
    char service[16];
    char feature[16];
    int has_feature;
    Identity identity;
    IServerProxy *proxy;
    IpcObjectStub stub;
    uint32_t token;
    pid_t tid;              /* serving thread */
    /* The call policy, checked on every call without a lock: a seqlock
     * (writers serialised by plock; every field read and written with
     * atomics, so a reader racing a writer sees a torn copy only to throw it
     * away and read again). */
    pthread_mutex_t plock;  /* writers */
    uint32_t pseq;          /* odd while a writer is updating */
    lipc_uid_set policy;
    int policy_set;
    /* The last decision, for one uid under one policy version (pseq):
     * touched only by the serving thread (the only one running
     * router_dispatch for this router).  A caller calling again under the
     * same policy costs a compare instead of a scan of the rules. */
    uid_t cache_uid;
    uint32_t cache_seq;
    int cache_allowed;
    int cache_valid;
    int state;              /* 0 to register, 1 registered, 2 refused (this epoch) */
} router;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    router *routers[MAX_ROUTERS];
    uint32_t n;
    int started;
    int registered;         /* endpoint registered with the current server */
    int32_t epoch;          /* server pid */
    pid_t tid;              /* registrar thread = endpoint handle */
    int pending;            /* new routers to register */
    lipc_token_bucket bucket;
    int bucket_init;
} g_ep = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

int lipc_samgr_env_int(const char *name, int def, int min, int max)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < min || x > max)
        return def;
    return (int)x;
}

int32_t lipc_samgr_call(IpcIo *req, IpcIo *reply, uintptr_t *buf)
{
    const SvcIdentity *samgr = GetContextObject();
    if (!samgr)
        return ERR_IPC_SKELETON_NOT_INIT;
    MessageOption opt = {.flags = TF_OP_SYNC, .waitTime = SAMGR_CALL_WAIT_S, .args = NULL};
    return SendRequest(*samgr, SAMGR_INVALID_INDEX, req, reply, opt, buf);
}

/* ---- router server threads ---------------------------------------------- */

static int policy_allows(router *r, uid_t uid)
{
    uint32_t s1 = __atomic_load_n(&r->pseq, __ATOMIC_ACQUIRE);
    /* cache_seq is always even: an odd s1 (writer busy) never hits */
    if (r->cache_valid && r->cache_seq == s1 && r->cache_uid == uid)
        return r->cache_allowed;
    for (;; s1 = __atomic_load_n(&r->pseq, __ATOMIC_ACQUIRE)) {
        if (s1 & 1) {   /* a writer holds plock: wait for it there */
            pthread_mutex_lock(&r->plock);
            pthread_mutex_unlock(&r->plock);
            continue;
        }
        /* acquire loads (plain loads on x86): the second read of pseq
         * cannot move before them (no standalone fence: TSan rejects them) */
        int allowed = 0;
        if (__atomic_load_n(&r->policy_set, __ATOMIC_ACQUIRE)) {
            uint32_t n = __atomic_load_n(&r->policy.n, __ATOMIC_ACQUIRE);
            for (uint32_t i = 0; i < n && i < LIPC_POLICY_MAX_RULES && !allowed; i++) {
                uint32_t lo = __atomic_load_n(&r->policy.r[i].min, __ATOMIC_ACQUIRE);
                uint32_t hi = __atomic_load_n(&r->policy.r[i].max, __ATOMIC_ACQUIRE);
                allowed = (uint32_t)uid >= lo && (uint32_t)uid <= hi;
            }
        }
        if (__atomic_load_n(&r->pseq, __ATOMIC_ACQUIRE) == s1) {
            r->cache_uid = uid;
            r->cache_seq = s1;
            r->cache_allowed = allowed;
            r->cache_valid = 1;
            return allowed;
        }
    }
}

static void policy_store(router *r, const lipc_uid_set *set)
{
    pthread_mutex_lock(&r->plock);
    /* release stores (plain stores on x86): none becomes visible before
     * the odd pseq */
    uint32_t s = r->pseq;
    __atomic_store_n(&r->pseq, s + 1, __ATOMIC_RELAXED);
    uint32_t n = set->n < LIPC_POLICY_MAX_RULES ? set->n : LIPC_POLICY_MAX_RULES;
    for (uint32_t i = 0; i < n; i++) {
        __atomic_store_n(&r->policy.r[i].min, set->r[i].min, __ATOMIC_RELEASE);
        __atomic_store_n(&r->policy.r[i].max, set->r[i].max, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&r->policy.n, n, __ATOMIC_RELEASE);
    __atomic_store_n(&r->policy_set, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&r->pseq, s + 2, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&r->plock);
}

/* The checks of every router call, in upstream's order; EC_SUCCESS or the
 * refusal. */
static int32_t router_admit(router *r, uint32_t token)
{
    if (token != r->token)
        return EC_INVALID;
    /* rate 0 (unlimited) is fixed before any router thread starts: no
     * clock read, no lock */
    if (g_ep.bucket.rate && lipc_tb_take(&g_ep.bucket, lipc_tb_now_ms()) < 0)
        return EC_FLOWCTRL;
    if (!policy_allows(r, (uid_t)GetCallingUid()))
        return EC_PERMISSION;
    return EC_SUCCESS;
}

/* Both forms of samgr_proto.h: the header form (our proxies) takes the
 * token from the request header and returns the status as the stub's
 * result (the reply header); the payload form reads the token from the
 * request and writes the status in front of the reply. */
static int32_t router_dispatch(uint32_t code, IpcIo *data, IpcIo *reply, MessageOption option)
{
    router *r = option.args;
    SvcIdentity t;
    if (lipc_ipc_calling_target(&t) && t.cookie == SAMGR_ROUTER_HDR_COOKIE) {
        int32_t st = router_admit(r, (uint32_t)t.token);
        if (st == EC_SUCCESS)
            r->proxy->Invoke(r->proxy, (int)code, NULL, data, reply);
        return st;
    }
    int32_t token;
    int32_t st = ReadInt32(data, &token) ? router_admit(r, (uint32_t)token) : EC_INVALID;
    WriteInt32(reply, st);
    if (st == EC_SUCCESS)
        r->proxy->Invoke(r->proxy, (int)code, NULL, data, reply);
    return st;
}

typedef struct {
    router *r;
    pthread_mutex_t m;
    pthread_cond_t c;
    int done;
} router_start;

static void *router_main(void *arg)
{
    router_start *st = arg;
    router *r = st->r;
    char name[16];
    snprintf(name, sizeof(name), "samgr-r%u", (unsigned)r->token);
    prctl(PR_SET_NAME, name);
    /* bind the stub to this thread: WriteRemoteObject({-1, NORMAL, stub}) */
    char scratch[64];
    IpcIo io;
    memset(&io, 0, sizeof(io));
    IpcIoInit(&io, scratch, sizeof(scratch), 1);
    SvcIdentity self = {IPC_INVALID_HANDLE, SERVICE_TYPE_NORMAL, (uintptr_t)&r->stub};
    WriteRemoteObject(&io, &self);
    pthread_mutex_lock(&st->m);
    r->tid = gettid();
    st->done = 1;
    pthread_cond_signal(&st->c);
    pthread_mutex_unlock(&st->m);
    for (;;) {
        JoinWorkThread();   /* returns only on a fatal device error */
        REMOTE_LOG("router %s/%s: JoinWorkThread returned (%s), retrying", r->service, r->feature,
                   lipc_ipc_strerror(lipc_ipc_last_error()));
        sleep(1);
    }
    return NULL;
}

static int router_start_thread(router *r)
{
    router_start st = {.r = r, .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER};
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 256 * 1024);
    pthread_t t;
    int e = pthread_create(&t, &a, router_main, &st);
    pthread_attr_destroy(&a);
    if (e)
        return -e;
    pthread_mutex_lock(&st.m);
    while (!st.done)
        pthread_cond_wait(&st.c, &st.m);
    pthread_mutex_unlock(&st.m);
    return 0;
}

/* ---- registration -------------------------------------------------------- */

static int register_endpoint(int32_t *epoch)
{
    char buf[256];
    IpcIo req, reply;
    samgr_req_begin(&req, buf, sizeof(buf), 1, RES_ENDPOINT, OP_POST);
    SvcIdentity id = {g_ep.tid, SERVICE_TYPE_NORMAL, 0};
    WriteRemoteObject(&req, &id);
    uintptr_t msg = 0;
    int32_t r = lipc_samgr_call(&req, &reply, &msg);
    if (r != ERR_NONE)
        return r;
    int32_t handle = -1, ep = 0;
    if (!ReadInt32(&reply, &handle) || handle <= 0)
        r = EC_FAILURE;
    else if (!ReadInt32(&reply, &ep))
        ep = 0;
    FreeBuffer((void *)msg);
    *epoch = ep;
    return r;
}

static int ping_samgr(int32_t *epoch)
{
    char buf[64];
    IpcIo req, reply;
    samgr_req_begin(&req, buf, sizeof(buf), 0, RES_ENDPOINT, OP_GET);
    uintptr_t msg = 0;
    int32_t r = lipc_samgr_call(&req, &reply, &msg);
    if (r != ERR_NONE)
        return r;
    int32_t known = EC_FAILURE, ep = 0;
    ReadInt32(&reply, &known);
    ReadInt32(&reply, &ep);
    FreeBuffer((void *)msg);
    *epoch = ep;
    return known;
}

/* RES_FEATURE OP_PUT; EC_SUCCESS (policy stored), a server error, or an
 * rpc error (samgr unreachable). */
static int put_feature(router *r)
{
    char buf[512];
    IpcIo req, reply;
    samgr_req_begin(&req, buf, sizeof(buf), 1, RES_FEATURE, OP_PUT);
    WriteString(&req, r->service);
    WriteBool(&req, !r->has_feature);
    if (r->has_feature)
        WriteString(&req, r->feature);
    WriteUint32(&req, r->token);
    SvcIdentity serving = {r->tid, r->token, 0};
    WriteRemoteObject(&req, &serving);
    uintptr_t msg = 0;
    int32_t ret = lipc_samgr_call(&req, &reply, &msg);
    if (ret != ERR_NONE)
        return ret;
    int32_t status = EC_FAILURE;
    ReadInt32(&reply, &status);
    if (status == EC_SUCCESS) {
        SvcIdentity id;
        uint32_t n = 0;
        lipc_uid_set set;
        memset(&set, 0, sizeof(set));
        if (!ReadRemoteObject(&reply, &id) || !ReadUint32(&reply, &n)) {
            status = EC_FAILURE;
        } else {
            for (uint32_t i = 0; i < n; i++) {
                int32_t type, a = 0, b = 0;
                if (!ReadInt32(&reply, &type))
                    break;
                if (type == POLICY_RANGE) {
                    if (!ReadInt32(&reply, &a) || !ReadInt32(&reply, &b))
                        break;
                    if (set.n < LIPC_POLICY_MAX_RULES) {
                        set.r[set.n].min = (uint32_t)a;
                        set.r[set.n].max = (uint32_t)b;
                        set.n++;
                    }
                } else if (type == POLICY_FIXED) {
                    for (int k = 0; k < SAMGR_FIXED_UID_NUM; k++) {
                        if (!ReadInt32(&reply, &a))
                            break;
                        if (set.n < LIPC_POLICY_MAX_RULES) {
                            set.r[set.n].min = set.r[set.n].max = (uint32_t)a;
                            set.n++;
                        }
                    }
                } else {
                    if (!ReadInt32(&reply, &a))
                        break;
                }
            }
            policy_store(r, &set);
        }
    }
    FreeBuffer((void *)msg);
    return status;
}

static void *registrar_main(void *arg)
{
    (void)arg;
    prctl(PR_SET_NAME, "samgr-ep");
    int ping_ms = lipc_samgr_env_int("LIPC_SAMGR_PING_MS", 500, 10, 60000);
    int backoff = 20;
    pthread_mutex_lock(&g_ep.lock);
    g_ep.tid = gettid();
    pthread_cond_broadcast(&g_ep.cond);
    for (;;) {
        if (!g_ep.registered) {
            pthread_mutex_unlock(&g_ep.lock);
            int32_t epoch = 0;
            int r = register_endpoint(&epoch);
            pthread_mutex_lock(&g_ep.lock);
            if (r != ERR_NONE) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += (long)backoff * 1000000L;
                ts.tv_sec += ts.tv_nsec / 1000000000L;
                ts.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&g_ep.cond, &g_ep.lock, &ts);
                backoff = backoff * 2 > 500 ? 500 : backoff * 2;
                continue;
            }
            backoff = 20;
            int restarted = g_ep.epoch != 0 && g_ep.epoch != epoch;
            g_ep.epoch = epoch;
            g_ep.registered = 1;
            for (uint32_t i = 0; i < g_ep.n; i++)
                g_ep.routers[i]->state = 0;
            g_ep.pending = 1;
            if (restarted) {
                pthread_mutex_unlock(&g_ep.lock);
                lipc_samgr_client_samgr_restarted();
                pthread_mutex_lock(&g_ep.lock);
            }
        }
        if (g_ep.pending) {
            g_ep.pending = 0;
            for (uint32_t i = 0; i < g_ep.n && g_ep.registered; i++) {
                router *r = g_ep.routers[i];
                if (r->state != 0)
                    continue;
                pthread_mutex_unlock(&g_ep.lock);
                int s = put_feature(r);
                pthread_mutex_lock(&g_ep.lock);
                if (s == EC_SUCCESS) {
                    r->state = 1;
                } else if (s == ERR_DEAD_OBJECT || s == IPC_INVOKER_IOCTL_FAILED ||
                           s == ERR_IPC_SKELETON_NOT_INIT || s == EC_NOSERVICE) {
                    g_ep.registered = 0;   /* server gone or forgot us: start again */
                } else {
                    r->state = 2;
                    REMOTE_LOG("registering %s/%s refused: %d", r->service, r->feature, s);
                }
            }
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)ping_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        int w = pthread_cond_timedwait(&g_ep.cond, &g_ep.lock, &ts);
        if (w == ETIMEDOUT && !g_ep.pending) {
            pthread_mutex_unlock(&g_ep.lock);
            int32_t epoch = 0;
            int k = ping_samgr(&epoch);
            pthread_mutex_lock(&g_ep.lock);
            if (k != EC_SUCCESS || epoch != g_ep.epoch)
                g_ep.registered = 0;
        }
    }
    return NULL;
}

static int start_registrar_locked(void)
{
    if (g_ep.started)
        return 0;
    uint32_t rate, burst;
    lipc_tb_config_from_env(&rate, &burst);
    lipc_tb_init(&g_ep.bucket, rate, burst);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 256 * 1024);
    pthread_t t;
    int e = pthread_create(&t, &a, registrar_main, NULL);
    pthread_attr_destroy(&a);
    if (e)
        return -e;
    g_ep.started = 1;
    while (g_ep.tid == 0)
        pthread_cond_wait(&g_ep.cond, &g_ep.lock);
    return 0;
}

static void atfork_child(void)
{
    /* threads are gone in the child: it starts from scratch */
    /* the forking thread holds the lock (atfork_prepare): release it, do
     * not re-initialise a locked mutex */
    pthread_cond_init(&g_ep.cond, NULL);
    g_ep.n = 0;
    g_ep.started = 0;
    g_ep.registered = 0;
    g_ep.epoch = 0;
    g_ep.tid = 0;
    g_ep.pending = 0;
    pthread_mutex_unlock(&g_ep.lock);
}

static void atfork_prepare(void)
{
    pthread_mutex_lock(&g_ep.lock);
}

static void atfork_parent(void)
{
    pthread_mutex_unlock(&g_ep.lock);
}

__attribute__((constructor)) static void endpoint_ctor(void)
{
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

int SAMGR_RegisterServiceApi(const char *service, const char *feature, const Identity *identity,
                             IUnknown *iUnknown)
{
    if (service == NULL || iUnknown == NULL || strlen(service) >= 16 ||
        (feature && strlen(feature) >= 16))
        return EC_INVALID;
    IServerProxy *proxy = NULL;
    if (iUnknown->QueryInterface(iUnknown, SERVER_PROXY_VER, (void **)&proxy) != EC_SUCCESS ||
        proxy == NULL)
        return EC_INVALID;   /* not exported: stays local */
    pthread_mutex_lock(&g_ep.lock);
    for (uint32_t i = 0; i < g_ep.n; i++)
        if (g_ep.routers[i]->proxy == proxy) {
            pthread_mutex_unlock(&g_ep.lock);
            proxy->Release((IUnknown *)proxy);
            return (int)i;
        }
    if (g_ep.n >= MAX_ROUTERS) {
        pthread_mutex_unlock(&g_ep.lock);
        proxy->Release((IUnknown *)proxy);
        return EC_NOSPACE;
    }
    int e = start_registrar_locked();
    router *r = e ? NULL : calloc(1, sizeof(*r));
    if (!r) {
        pthread_mutex_unlock(&g_ep.lock);
        proxy->Release((IUnknown *)proxy);
        return EC_FAILURE;
    }
    snprintf(r->service, sizeof(r->service), "%s", service);
    if (feature) {
        snprintf(r->feature, sizeof(r->feature), "%s", feature);
        r->has_feature = 1;
    }
    if (identity)
        r->identity = *identity;
    r->proxy = proxy;
    r->token = g_ep.n;
    r->stub.func = router_dispatch;
    r->stub.args = r;
    pthread_mutex_init(&r->plock, NULL);
    if (router_start_thread(r) < 0) {
        pthread_mutex_unlock(&g_ep.lock);
        proxy->Release((IUnknown *)proxy);
        free(r);
        return EC_FAILURE;
    }
    g_ep.routers[g_ep.n++] = r;
    g_ep.pending = 1;
    pthread_cond_broadcast(&g_ep.cond);
    pthread_mutex_unlock(&g_ep.lock);
    return (int)r->token;
}

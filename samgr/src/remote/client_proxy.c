/*
 * client_proxy.c - proxies of remote features (openharmony-reference §3.9):
 * the per-process cache keyed by (service, feature), the default client
 * (IDefaultClient), client factories (registry.h), SAMGR_FindServiceApi,
 * SAMGR_GetRemoteIdentity.  A proxy is invalidated when its provider dies
 * (death recipient, or ERR_DEAD_OBJECT from a call) and the next
 * GetFeatureApi resolves the feature again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iproxy_client.h"
#include "lipc_ipc.h"
#include "ohos_errno.h"
#include "registry.h"
#include "remote_internal.h"
#include "samgr_proto.h"
#include "service_registry.h"

typedef struct {
    const char *service;
    const char *feature;
} SaName;

/* Not packed (upstream packs them; on 32-bit the layout is the same): the
 * entry must have IUnknownEntry's natural layout for IUNKNOWN_QueryInterface. */
typedef struct {
    SaName key;
    SvcIdentity target;
    uint32 deadId;
    uintptr_t saId;
} IClientHeader;

typedef struct {
    INHERIT_IPROXY_ENTRY(IClientProxy);
} IClientEntry;

typedef struct {
    IClientHeader header;
    IClientEntry entry;
} IDefaultClient;

typedef struct {
    char service[16];
    char feature[16];
    int has_feature;
    Creator creator;
    Destroyer destroyer;
} factory;

typedef struct client {
    char service[16];
    char feature[16];
    int has_feature;
    void *obj;              /* creator's memory or IDefaultClient */
    const factory *fac;     /* NULL: default client */
    IClientHeader *header;
    IClientEntry *entry;
    int dead_registered;
} client;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;   /* cache, factories, refs */
static client **g_clients;
static size_t g_nclients, g_capclients;
static factory *g_facs;
static size_t g_nfacs;

static int name_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static IClientHeader *header_of(IClientProxy *proxy)
{
    char *entry = (char *)proxy - offsetof(IClientEntry, iUnknown);
    return (IClientHeader *)(entry - sizeof(IClientHeader));
}

static client *client_of_header(IClientHeader *h)
{
    return (client *)h->saId;
}

static void client_destroy(client *c)
{
    if (c->fac)
        c->fac->destroyer(c->service, c->has_feature ? c->feature : NULL, c->obj);
    else
        free(c->obj);
    free(c);
}

static int proxy_addref(IUnknown *iu)
{
    if (!iu)
        return EC_INVALID;
    pthread_mutex_lock(&g_lock);
    IClientEntry *e = (IClientEntry *)((char *)iu - offsetof(IClientEntry, iUnknown));
    int ref = ++e->ref;
    pthread_mutex_unlock(&g_lock);
    return ref;
}

static int proxy_release(IUnknown *iu)
{
    if (!iu)
        return EC_INVALID;
    pthread_mutex_lock(&g_lock);
    IClientEntry *e = (IClientEntry *)((char *)iu - offsetof(IClientEntry, iUnknown));
    int ref = --e->ref;
    client *c = ref <= 0 ? client_of_header(header_of((IClientProxy *)iu)) : NULL;
    pthread_mutex_unlock(&g_lock);
    if (c) {
        if (c->dead_registered) {
            SvcIdentity t = c->header->target;
            if (t.handle > 0)
                RemoveDeathRecipient(t, c->header->deadId);
        }
        client_destroy(c);
    }
    return ref;
}

static void invalidate(IClientHeader *h)
{
    pthread_mutex_lock(&g_lock);
    if (h->target.handle != -1) {
        /* proxy_invoke reads the target without the lock: handle first,
         * token last with release (see target_load) */
        __atomic_store_n(&h->target.handle, -1, __ATOMIC_RELAXED);
        __atomic_store_n(&h->target.cookie, (uintptr_t)-1, __ATOMIC_RELAXED);
        __atomic_store_n(&h->target.token, (uintptr_t)-1, __ATOMIC_RELEASE);
        h->deadId = (uint32)-1;
        pthread_mutex_unlock(&g_lock);
        lipc_samgr_watch_kick();
        return;
    }
    pthread_mutex_unlock(&g_lock);
}

static void on_service_exit(void *arg)
{
    IClientHeader *h = arg;
    invalidate(h);
}

/* The target without g_lock (every call reads it).  A target only ever
 * changes from valid to invalid (invalidate: handle -1 first, token -1 last
 * with release), so a token read before the handle that is still valid
 * belongs to a valid handle, and an invalidated token is never paired with
 * the old handle. */
static SvcIdentity target_load(const IClientHeader *h)
{
    SvcIdentity t;
    t.token = __atomic_load_n(&h->target.token, __ATOMIC_ACQUIRE);
    t.cookie = __atomic_load_n(&h->target.cookie, __ATOMIC_RELAXED);
    t.handle = __atomic_load_n(&h->target.handle, __ATOMIC_RELAXED);
    if (t.token == (uintptr_t)-1)
        t.handle = -1;
    return t;
}

/* The payload form's limit, kept for the header form: upstream's
 * ProxyInvoke appends the request behind the token in an 8 KiB io with
 * MAX_OBJ_NUM offsets; a request that did not fit there is EC_INVALID. */
#define PROXY_MAX_REQUEST (MAX_IO_SIZE - MAX_OBJ_NUM * sizeof(size_t) - sizeof(int32_t))

/* Sends data to the router and hands the reply to notify (sync); returns
 * the router's status (header form, samgr_proto.h) or the rpc error. */
static int proxy_send(IClientHeader *h, SvcIdentity target, int funcId, IpcIo *data, IOwner owner,
                      INotify notify)
{
    MessageOption opt = {.flags = notify ? TF_OP_SYNC : TF_OP_ASYNC, .waitTime = 0, .args = NULL};
    IpcIo reply;
    uintptr_t msg = 0;
    int32_t ret = SendRequest(target, (uint32_t)funcId, data, &reply, opt, notify ? &msg : NULL);
    /* the IPC library reports a peer that died before its notice arrived
     * as ERR_DEAD_OBJECT too (and then runs on_service_exit) */
    if (ret == ERR_DEAD_OBJECT) {
        invalidate(h);
        return ERR_DEAD_OBJECT;
    }
    if (ret == ERR_INVALID_PARAM)
        return EC_INVALID;      /* a request io the checks above let through */
    if (ret != ERR_NONE || !notify)
        return ret;
    int32_t status;
    if (!lipc_ipc_reply_result(msg, &status))
        status = EC_FAILURE;
    if (status == EC_SUCCESS)
        notify(owner, EC_SUCCESS, &reply);
    FreeBuffer((void *)msg);
    return status;
}

/* A request whose length is not a multiple of 4 goes out copied and padded
 * with zeros, as the payload form (token + IpcIoAppend) sent it.  Out of
 * line: the 8 KiB buffer stays off the common path's stack frame. */
__attribute__((noinline)) static int proxy_send_padded(IClientHeader *h, SvcIdentity target, int funcId,
                                                       IpcIo *request, IOwner owner, INotify notify)
{
    _Alignas(max_align_t) char buf[MAX_IO_SIZE];
    IpcIo io;
    memset(&io, 0, sizeof(io));
    IpcIoInit(&io, buf, sizeof(buf), MAX_OBJ_NUM);
    if (!IpcIoAppend(&io, request))
        return EC_INVALID;
    return proxy_send(h, target, funcId, &io, owner, notify);
}

/* The payload form's limit, kept for the header form: upstream's
 * ProxyInvoke appends the request behind the token in an 8 KiB io with
 * MAX_OBJ_NUM offsets; a request that did not fit there is EC_INVALID. */
#define PROXY_MAX_REQUEST (MAX_IO_SIZE - MAX_OBJ_NUM * sizeof(size_t) - sizeof(int32_t))

static int proxy_invoke(IClientProxy *proxy, int funcId, IpcIo *request, IOwner owner, INotify notify)
{
    if (!proxy)
        return EC_INVALID;
    IClientHeader *h = header_of(proxy);
    SvcIdentity target = target_load(h);
    if (target.handle <= 0)
        return ERR_DEAD_OBJECT;
    /* Header form (samgr_proto.h): the token rides in target.token, the
     * request goes out as the caller built it (no copy), the status comes
     * back in the reply header. */
    target.cookie = SAMGR_ROUTER_HDR_COOKIE;
    IpcIo *data = request;
    if (request) {
        /* what upstream's IpcIoAppend accepts, and nothing more */
        if (!(request->flag & IPC_IO_INITIALIZED) || (request->flag & IPC_IO_OVERFLOW) ||
            !request->bufferBase || request->bufferCur < request->bufferBase ||
            request->offsetsCur < request->offsetsBase)
            return EC_INVALID;
        size_t used = (size_t)(request->bufferCur - request->bufferBase);
        size_t objs = (size_t)(request->offsetsCur - request->offsetsBase);
        if (used == 0) {
            if (objs)
                return EC_INVALID;
            data = NULL;
        } else if (used > PROXY_MAX_REQUEST || objs > MAX_OBJ_NUM) {
            return EC_INVALID;
        } else if (used % 4) {
            return proxy_send_padded(h, target, funcId, request, owner, notify);
        }
    }
    return proxy_send(h, target, funcId, data, owner, notify);
}

int SAMGR_RegisterFactory(const char *service, const char *feature, Creator creator, Destroyer destroyer)
{
    if (!service || !creator || !destroyer || strlen(service) >= 16 || (feature && strlen(feature) >= 16))
        return EC_INVALID;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_nfacs; i++)
        if (strcmp(g_facs[i].service, service) == 0 &&
            name_eq(g_facs[i].has_feature ? g_facs[i].feature : NULL, feature)) {
            pthread_mutex_unlock(&g_lock);
            return EC_SUCCESS;
        }
    factory *nf = realloc(g_facs, (g_nfacs + 1) * sizeof(*nf));
    if (!nf) {
        pthread_mutex_unlock(&g_lock);
        return EC_NOMEMORY;
    }
    g_facs = nf;
    factory *f = &g_facs[g_nfacs];
    memset(f, 0, sizeof(*f));
    snprintf(f->service, sizeof(f->service), "%s", service);
    if (feature) {
        snprintf(f->feature, sizeof(f->feature), "%s", feature);
        f->has_feature = 1;
    }
    f->creator = creator;
    f->destroyer = destroyer;
    g_nfacs++;
    pthread_mutex_unlock(&g_lock);
    return EC_SUCCESS;
}

static const factory *find_factory(const char *service, const char *feature)
{
    for (size_t i = 0; i < g_nfacs; i++)
        if (strcmp(g_facs[i].service, service) == 0 &&
            name_eq(g_facs[i].has_feature ? g_facs[i].feature : NULL, feature))
            return &g_facs[i];
    return NULL;
}

int lipc_samgr_query(const char *service, const char *feature, SvcIdentity *id)
{
    char buf[256];
    IpcIo req, reply;
    samgr_req_begin(&req, buf, sizeof(buf), 0, RES_FEATURE, OP_GET);
    WriteString(&req, service);
    WriteBool(&req, feature == NULL);
    if (feature)
        WriteString(&req, feature);
    uintptr_t msg = 0;
    int32_t r = lipc_samgr_call(&req, &reply, &msg);
    /* a failed reply: the reply naming the provider was refused, the
     * provider is gone (the server has not processed its death yet) */
    if (r == IPC_INVOKER_FAILED_REPLY)
        return EC_FAILURE;
    if (r != ERR_NONE)
        return r;
    int32_t status = EC_FAILURE;
    uint32_t token = 0;
    ReadInt32(&reply, &status);
    if (status == EC_SUCCESS) {
        if (!ReadRemoteObject(&reply, id) || !ReadUint32(&reply, &token) || id->handle <= 0)
            status = EC_FAILURE;
        else
            id->token = token;
    }
    FreeBuffer((void *)msg);
    return status;
}

static client *client_new(const char *service, const char *feature, SvcIdentity id)
{
    client *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    snprintf(c->service, sizeof(c->service), "%s", service);
    if (feature) {
        snprintf(c->feature, sizeof(c->feature), "%s", feature);
        c->has_feature = 1;
    }
    pthread_mutex_lock(&g_lock);
    const factory *f = find_factory(service, feature);
    pthread_mutex_unlock(&g_lock);
    void *obj = f ? f->creator(c->service, c->has_feature ? c->feature : NULL, sizeof(IClientHeader)) : NULL;
    if (obj) {
        c->fac = f;
    } else {
        obj = calloc(1, sizeof(IDefaultClient));
        if (!obj) {
            free(c);
            return NULL;
        }
    }
    c->obj = obj;
    c->header = (IClientHeader *)obj;
    c->entry = (IClientEntry *)((char *)obj + sizeof(IClientHeader));
    c->header->key.service = c->service;
    c->header->key.feature = c->has_feature ? c->feature : NULL;
    c->header->target = id;
    c->header->deadId = (uint32)-1;
    c->header->saId = (uintptr_t)c;
    c->entry->ver = CLIENT_PROXY_VER;
    c->entry->ref = 1;   /* the cache's reference */
    c->entry->iUnknown.QueryInterface = IUNKNOWN_QueryInterface;
    c->entry->iUnknown.AddRef = proxy_addref;
    c->entry->iUnknown.Release = proxy_release;
    c->entry->iUnknown.Invoke = proxy_invoke;
    uint32_t dead = 0;
    if (AddDeathRecipient(id, on_service_exit, c->header, &dead) == ERR_NONE) {
        c->header->deadId = dead;
        c->dead_registered = 1;
    } else {
        c->header->target.handle = -1;   /* already dead */
    }
    return c;
}

IUnknown *SAMGR_FindServiceApi(const char *service, const char *feature)
{
    if (!service || strlen(service) >= 16 || (feature && strlen(feature) >= 16))
        return NULL;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_nclients; i++) {
        client *c = g_clients[i];
        if (strcmp(c->service, service) == 0 && name_eq(c->has_feature ? c->feature : NULL, feature)) {
            if (c->header->target.handle > 0) {
                IUnknown *iu = (IUnknown *)&c->entry->iUnknown;
                pthread_mutex_unlock(&g_lock);
                return iu;
            }
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    SvcIdentity id;
    if (lipc_samgr_query(service, feature, &id) != EC_SUCCESS)
        return NULL;
    client *c = client_new(service, feature, id);
    if (!c)
        return NULL;
    /* provider already dead (AddDeathRecipient said so: the server has not
     * processed that death yet) */
    if (c->header->target.handle <= 0) {
        proxy_release((IUnknown *)&c->entry->iUnknown);
        return NULL;
    }
    client *old = NULL;
    pthread_mutex_lock(&g_lock);
    /* another thread may have resolved it meanwhile: recheck the slot */
    size_t slot = g_nclients;
    for (size_t i = 0; i < g_nclients; i++)
        if (strcmp(g_clients[i]->service, service) == 0 &&
            name_eq(g_clients[i]->has_feature ? g_clients[i]->feature : NULL, feature)) {
            slot = i;
            break;
        }
    if (slot < g_nclients) {
        old = g_clients[slot];
        g_clients[slot] = c;
    } else {
        if (g_nclients == g_capclients) {
            size_t nc = g_capclients ? g_capclients * 2 : 8;
            client **nv = realloc(g_clients, nc * sizeof(*nv));
            if (!nv) {
                pthread_mutex_unlock(&g_lock);
                proxy_release((IUnknown *)&c->entry->iUnknown);
                return NULL;
            }
            g_clients = nv;
            g_capclients = nc;
        }
        g_clients[g_nclients++] = c;
    }
    pthread_mutex_unlock(&g_lock);
    if (old)
        proxy_release((IUnknown *)&old->entry->iUnknown);
    return (IUnknown *)&c->entry->iUnknown;
}

SvcIdentity SAMGR_GetRemoteIdentity(const char *service, const char *feature)
{
    SvcIdentity bad = {-1, (uintptr_t)-1, (uintptr_t)-1};
    IUnknown *iu = SAMGR_FindServiceApi(service, feature);
    if (!iu)
        return bad;
    IClientProxy *p = NULL;
    if (iu->QueryInterface(iu, CLIENT_PROXY_VER, (void **)&p) != EC_SUCCESS || !p)
        return bad;
    pthread_mutex_lock(&g_lock);
    SvcIdentity id = header_of(p)->target;
    pthread_mutex_unlock(&g_lock);
    p->Release((IUnknown *)p);
    return id.handle > 0 ? id : bad;
}

void lipc_samgr_client_samgr_restarted(void)
{
    /* identities stay valid while their providers live: nothing to drop */
}

/* fork: the child has no access right of the parent and no death
 * recipient: every cached proxy is invalid there (resolved again on the
 * next GetFeatureApi).  Objects are kept (callers may hold pointers). */
static void client_atfork_prepare(void)
{
    pthread_mutex_lock(&g_lock);
}

static void client_atfork_parent(void)
{
    pthread_mutex_unlock(&g_lock);
}

static void client_atfork_child(void)
{
    for (size_t i = 0; i < g_nclients; i++) {
        g_clients[i]->header->target.handle = -1;
        g_clients[i]->dead_registered = 0;
    }
    pthread_mutex_unlock(&g_lock);   /* held since client_atfork_prepare */
}

__attribute__((constructor)) static void client_ctor(void)
{
    pthread_atfork(client_atfork_prepare, client_atfork_parent, client_atfork_child);
}

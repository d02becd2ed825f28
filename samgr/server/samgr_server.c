/*
 * samgr_server - the samgr server daemon: the service manager (CMS, handle
 * 0) of samgr across processes.  Protocol: openharmony-reference §3.10 with
 * the extensions of docs/SAMGR_REMOTE.md (ping, serving-thread objects,
 * syscap by name, explicit errors).
 *
 * One thread serves handle 0 (JoinWorkThread); endpoint deaths arrive on the
 * IPC library's worker threads.  All state is under g_lock.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipc_skeleton.h"
#include "lipc.h"
#include "lipc_ipc.h"
#include "ohos_errno.h"
#include "policy.h"
#include "sa_store.h"
#include "samgr_proto.h"
#include "serializer.h"
#include "syscap_json.h"

typedef struct {
    pid_t pid;
    uid_t uid;
    SvcIdentity ep;     /* the endpoint object (its handle is watched for death) */
    uint32_t dead_id;
    int alive;
} ep_entry;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static ep_entry *g_eps;
static size_t g_neps, g_capeps;
static lipc_sa_store *g_store;
static lipc_policy *g_policy;
static lipc_syscap_list g_syscaps;
static int g_verbose;

#define LOG(...)                                      \
    do {                                              \
        if (g_verbose) {                              \
            fprintf(stderr, "samgr_server: " __VA_ARGS__); \
            fputc('\n', stderr);                      \
        }                                             \
    } while (0)
#define WARN(...)                                     \
    do {                                              \
        fprintf(stderr, "samgr_server: " __VA_ARGS__); \
        fputc('\n', stderr);                          \
    } while (0)

static ep_entry *ep_find(pid_t pid)
{
    for (size_t i = 0; i < g_neps; i++)
        if (g_eps[i].pid == pid)
            return &g_eps[i];
    return NULL;
}

static void ep_remove(pid_t pid)
{
    for (size_t i = 0; i < g_neps; i++)
        if (g_eps[i].pid == pid) {
            g_eps[i] = g_eps[--g_neps];
            return;
        }
}

/* Death of an endpoint (its process): drop it and everything it provided. */
static void on_endpoint_exit(void *arg)
{
    pid_t pid = (pid_t)(intptr_t)arg;
    pthread_mutex_lock(&g_lock);
    ep_entry *e = ep_find(pid);
    SvcIdentity ep = e ? e->ep : (SvcIdentity){-1, 0, 0};
    size_t n = lipc_sa_store_clear_pid(g_store, pid);
    ep_remove(pid);
    pthread_mutex_unlock(&g_lock);
    if (ep.handle > 0)
        ReleaseSvc(ep);
    LOG("endpoint of pid %d died: %zu feature(s) dropped", (int)pid, n);
}

/* Is tid a thread of process pid? (a serving thread named in OP_PUT) */
static int tid_in_pid(pid_t pid, int32_t tid)
{
    char p[64];
    struct stat st;
    snprintf(p, sizeof(p), "/proc/%d/task/%d", (int)pid, (int)tid);
    return stat(p, &st) == 0;
}

static void proc_endpoint(int32_t option, IpcIo *req, IpcIo *reply)
{
    pid_t pid = GetCallingPid();
    uid_t uid = (uid_t)GetCallingUid();
    if (option == OP_GET) {   /* ping (extension): int32 known, int32 epoch */
        pthread_mutex_lock(&g_lock);
        ep_entry *e = ep_find(pid);
        WriteInt32(reply, e && e->uid == uid ? EC_SUCCESS : EC_NOSERVICE);
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, (int32_t)getpid());
        return;
    }
    if (option != OP_POST) {
        WriteInt32(reply, -1);
        return;
    }
    pthread_mutex_lock(&g_lock);
    ep_entry *e = ep_find(pid);
    if (e) {
        WriteInt32(reply, e->ep.handle);
        WriteInt32(reply, (int32_t)getpid());
        pthread_mutex_unlock(&g_lock);
        return;
    }
    SvcIdentity id;
    if (!ReadRemoteObject(req, &id) || id.handle <= 0 || !tid_in_pid(pid, id.handle)) {
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, -1);
        return;
    }
    if (g_neps == g_capeps) {
        size_t nc = g_capeps ? g_capeps * 2 : 16;
        ep_entry *ne = realloc(g_eps, nc * sizeof(*ne));
        if (!ne) {
            pthread_mutex_unlock(&g_lock);
            WriteInt32(reply, -1);
            return;
        }
        g_eps = ne;
        g_capeps = nc;
    }
    e = &g_eps[g_neps++];
    memset(e, 0, sizeof(*e));
    e->pid = pid;
    e->uid = uid;
    e->ep = id;
    int32_t r = AddDeathRecipient(id, on_endpoint_exit, (void *)(intptr_t)pid, &e->dead_id);
    if (r != ERR_NONE) {
        /* already dead: forget it at once */
        g_neps--;
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, -1);
        return;
    }
    WriteInt32(reply, id.handle);
    WriteInt32(reply, (int32_t)getpid());
    pthread_mutex_unlock(&g_lock);
    LOG("endpoint pid %d uid %d handle %d", (int)pid, (int)uid, id.handle);
}

/* string service, bool isDefault, [string feature] */
static int read_sa_name(IpcIo *req, const char **service, const char **feature)
{
    size_t len;
    const char *s = (const char *)ReadString(req, &len);
    bool isDefault = false;
    if (!s || !lipc_sa_name_ok(s) || !ReadBool(req, &isDefault))
        return EC_INVALID;
    const char *f = NULL;
    if (!isDefault) {
        f = (const char *)ReadString(req, &len);
        if (!f || !lipc_sa_name_ok(f))
            return EC_INVALID;
    }
    *service = s;
    *feature = f;
    return EC_SUCCESS;
}

static void write_policy(IpcIo *reply, const lipc_uid_set *set)
{
    WriteUint32(reply, set->n);
    for (uint32_t i = 0; i < set->n; i++) {
        WriteInt32(reply, POLICY_RANGE);
        WriteInt32(reply, (int32_t)set->r[i].min);
        WriteInt32(reply, (int32_t)set->r[i].max);
    }
}

static void proc_put_feature(IpcIo *req, IpcIo *reply)
{
    const char *service, *feature;
    pid_t pid = GetCallingPid();
    uid_t uid = (uid_t)GetCallingUid();
    uint32_t token;
    if (read_sa_name(req, &service, &feature) != EC_SUCCESS || !ReadUint32(req, &token)) {
        WriteInt32(reply, EC_INVALID);
        return;
    }
    /* extension: the thread serving this feature (else the endpoint) */
    SvcIdentity serving = {-1, 0, 0};
    bool has_serving = ReadRemoteObject(req, &serving);
    pthread_mutex_lock(&g_lock);
    ep_entry *e = ep_find(pid);
    if (!e || e->uid != uid) {
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, EC_NOSERVICE);
        return;
    }
    if (!lipc_uid_set_has(lipc_policy_provide(g_policy, service, feature), uid)) {
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, EC_PERMISSION);
        LOG("uid %d may not provide %s/%s", (int)uid, service, feature ? feature : "");
        return;
    }
    lipc_sa_info info = {.handle = e->ep.handle, .token = token, .cookie = 0, .pid = pid, .uid = uid};
    if (has_serving && serving.handle > 0) {
        if (!tid_in_pid(pid, serving.handle)) {
            pthread_mutex_unlock(&g_lock);
            WriteInt32(reply, EC_INVALID);
            return;
        }
        info.handle = serving.handle;
        info.cookie = serving.cookie;
    }
    int r = lipc_sa_store_save(g_store, service, feature, &info);
    if (r == -EEXIST) {
        lipc_sa_info old;
        /* stored by a process that is gone but whose death is not processed
         * yet (its endpoint forgotten, or the broker says it is gone)?  Its
         * features go now; the death notice finds nothing left. */
        if (lipc_sa_store_find(g_store, service, feature, &old) == 0 && old.pid != pid) {
            ep_entry *oe = ep_find(old.pid);
            if (!oe) {
                lipc_sa_store_remove(g_store, service, feature);
                r = lipc_sa_store_save(g_store, service, feature, &info);
            } else if (lipc_handle_alive(oe->ep.handle) == 0) {
                size_t n = lipc_sa_store_clear_pid(g_store, old.pid);
                LOG("pid %d gone (death not processed yet): %zu feature(s) dropped", (int)old.pid, n);
                r = lipc_sa_store_save(g_store, service, feature, &info);
            }
        }
    }
    if (r < 0) {
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, r == -ENOSPC ? EC_NOSPACE : EC_INVALID);
        return;
    }
    lipc_sa_info stored;
    lipc_sa_store_find(g_store, service, feature, &stored);
    SvcIdentity id = {stored.handle, stored.token, stored.cookie};
    WriteInt32(reply, EC_SUCCESS);
    WriteRemoteObject(reply, &id);
    write_policy(reply, lipc_policy_call(g_policy, service, feature));
    pthread_mutex_unlock(&g_lock);
    LOG("put %s/%s handle %d token %u", service, feature ? feature : "", id.handle, (unsigned)token);
}

static void proc_get_feature(IpcIo *req, IpcIo *reply)
{
    const char *service, *feature;
    uid_t uid = (uid_t)GetCallingUid();
    if (read_sa_name(req, &service, &feature) != EC_SUCCESS) {
        WriteInt32(reply, EC_INVALID);
        return;
    }
    pthread_mutex_lock(&g_lock);
    lipc_sa_info info;
    if (lipc_sa_store_find(g_store, service, feature, &info) < 0) {
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, EC_NOSERVICE);
        return;
    }
    if (!ep_find(info.pid)) {
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, EC_FAILURE);
        return;
    }
    if (!lipc_uid_set_has(lipc_policy_call(g_policy, service, feature), uid)) {
        pthread_mutex_unlock(&g_lock);
        WriteInt32(reply, EC_PERMISSION);
        return;
    }
    pthread_mutex_unlock(&g_lock);
    /* No liveness check (it was a broker round trip, a third of a lookup):
     * if the provider died and we have not processed its death yet, the
     * reply carrying its object is refused (the broker no longer knows the
     * task) and the core answers the caller with a failed reply at once,
     * which the client takes as "not found" (docs/SAMGR_REMOTE.md).  That
     * holds at the moment of the reply, so the window a check left between
     * itself and the reply is gone too. */
    SvcIdentity id = {info.handle, info.token, info.cookie};
    WriteInt32(reply, EC_SUCCESS);
    WriteRemoteObject(reply, &id);   /* grants the caller access to the provider */
    WriteUint32(reply, info.token);
}

static void proc_feature(int32_t option, IpcIo *req, IpcIo *reply)
{
    switch (option) {
    case OP_PUT:
        proc_put_feature(req, reply);
        break;
    case OP_GET:
        proc_get_feature(req, reply);
        break;
    default:
        WriteInt32(reply, EC_INVALID);
        break;
    }
}

static void proc_syscap(int32_t option, IpcIo *req, IpcIo *reply)
{
    if ((uid_t)GetCallingUid() >= SAMGR_SYSCAP_UID_MAX) {
        WriteInt32(reply, EC_PERMISSION);
        return;
    }
    pthread_mutex_lock(&g_lock);
    if (option == OP_PUT || option == OP_GET) {
        size_t len;
        const char *name = (const char *)ReadString(req, &len);
        if (!name || len == 0 || len >= LIPC_SYSCAP_NAME_MAX) {
            WriteInt32(reply, EC_INVALID);
        } else {
            long i = lipc_syscap_find(&g_syscaps, name);
            if (option == OP_PUT) {
                if (i >= 0)
                    g_syscaps.v[i].registered = 1;
                WriteInt32(reply, i >= 0 ? EC_SUCCESS : EC_FAILURE);
            } else {
                WriteInt32(reply, EC_SUCCESS);
                WriteBool(reply, i >= 0 && g_syscaps.v[i].registered);
            }
        }
    } else if (option == OP_ALL) {
        uint32_t start;
        if (!ReadUint32(req, &start)) {
            WriteInt32(reply, EC_INVALID);
        } else {
            /* registered names only, SAMGR_SYSCAP_PER_REPLY per reply */
            uint32_t count = 0, i = start;
            uint32_t idx[SAMGR_SYSCAP_PER_REPLY];
            for (; i < g_syscaps.n && count < SAMGR_SYSCAP_PER_REPLY; i++)
                if (g_syscaps.v[i].registered)
                    idx[count++] = i;
            bool isEnd = true;
            for (uint32_t k = i; k < g_syscaps.n; k++)
                if (g_syscaps.v[k].registered) {
                    isEnd = false;
                    break;
                }
            WriteInt32(reply, EC_SUCCESS);
            WriteBool(reply, isEnd);
            WriteUint32(reply, i);
            WriteUint32(reply, count);
            for (uint32_t k = 0; k < count; k++)
                WriteString(reply, g_syscaps.v[idx[k]].name);
        }
    } else {
        WriteInt32(reply, EC_INVALID);
    }
    pthread_mutex_unlock(&g_lock);
}

/* Dispatch of handle 0: int32 token (0), uint32 resource, int32 option. */
static int32_t samgr_dispatch(uint32_t code, IpcIo *req, IpcIo *reply, MessageOption option)
{
    (void)code;
    (void)option;
    int32_t token, opt;
    uint32_t resource;
    if (!ReadInt32(req, &token) || !ReadUint32(req, &resource) || !ReadInt32(req, &opt) ||
        resource >= RES_BUTT) {
        WriteInt32(reply, EC_INVALID);
        return EC_INVALID;
    }
    switch (resource) {
    case RES_ENDPOINT:
        proc_endpoint(opt, req, reply);
        break;
    case RES_FEATURE:
        proc_feature(opt, req, reply);
        break;
    case RES_SYSCAP:
        proc_syscap(opt, req, reply);
        break;
    }
    return EC_SUCCESS;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: samgr_server [--policy FILE] [--syscap FILE] [--ready-fd N] [-v] [--help]\n"
            "The samgr server (service manager, handle 0) of samgr across processes.\n"
            "  --policy FILE   access policy file (default $" LIPC_POLICY_ENV " or " LIPC_POLICY_DEFAULT_PATH ");\n"
            "                  if the default file is missing everything is allowed (open mode)\n"
            "  --syscap FILE   system capability JSON (default $" LIPC_SYSCAP_ENV " or " LIPC_SYSCAP_DEFAULT_PATH ")\n"
            "  --ready-fd N    write \"ready\\n\" to descriptor N once serving, then close it\n"
            "  -v              log registrations and deaths to stderr\n"
            "The liteipcd broker must run ($LITEIPC_SOCKET).  See docs/SAMGR_REMOTE.md.\n");
}

int main(int argc, char **argv)
{
    const char *policy_path = getenv(LIPC_POLICY_ENV);
    const char *syscap_path = getenv(LIPC_SYSCAP_ENV);
    int ready_fd = -1;
    static const struct option opts[] = {
        {"policy", required_argument, NULL, 'p'}, {"syscap", required_argument, NULL, 's'},
        {"ready-fd", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "p:s:r:hv", opts, NULL)) != -1) {
        switch (c) {
        case 'p': policy_path = optarg; break;
        case 's': syscap_path = optarg; break;
        case 'r': ready_fd = atoi(optarg); break;
        case 'v': g_verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    char err[256] = "";
    int explicit_policy = policy_path && *policy_path;
    if (!explicit_policy)
        policy_path = LIPC_POLICY_DEFAULT_PATH;
    int r = lipc_policy_load(policy_path, &g_policy, err, sizeof(err));
    if (r == -ENOENT && !explicit_policy) {
        g_policy = lipc_policy_new_open();
        WARN("no policy file %s: open mode (everyone may provide and call everything)", policy_path);
    } else if (r < 0) {
        WARN("policy %s: %s", policy_path, err);
        return 1;
    }
    if (!syscap_path || !*syscap_path)
        syscap_path = LIPC_SYSCAP_DEFAULT_PATH;
    r = lipc_syscap_load(syscap_path, &g_syscaps);
    if (r == -ENOENT)
        LOG("no syscap file %s: empty list", syscap_path);
    else if (r < 0)
        WARN("syscap %s: %s (empty list)", syscap_path, strerror(-r));
    g_store = lipc_sa_store_new(0);
    if (!g_policy || !g_store) {
        WARN("out of memory");
        return 1;
    }
    static IpcObjectStub stub = {.func = samgr_dispatch, .args = NULL, .isRemote = false};
    SvcIdentity self = {IPC_INVALID_HANDLE, SERVICE_TYPE_NORMAL, (uintptr_t)&stub};
    /* A restarted server may have to wait for the broker to see the old one gone. */
    int32_t sr = ERR_FAILED;
    for (int i = 0; i < 500; i++) {
        sr = SetContextObject(self);
        if (sr == ERR_NONE || lipc_ipc_last_error() != -EEXIST)
            break;
        usleep(10000);
    }
    if (sr != ERR_NONE) {
        WARN("cannot become the service manager: %s", lipc_ipc_strerror(lipc_ipc_last_error()));
        return 1;
    }
    if (ready_fd >= 0) {
        if (write(ready_fd, "ready\n", 6) < 0)
            WARN("ready-fd: %s", strerror(errno));
        close(ready_fd);
    }
    LOG("serving (pid %d)", (int)getpid());
    JoinWorkThread();
    WARN("JoinWorkThread returned: %s", lipc_ipc_strerror(lipc_ipc_last_error()));
    return 1;
}

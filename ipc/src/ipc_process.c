/*
 * ipc_process.c - the process skeleton (upstream ipc_process_skeleton.c +
 * OpenDriver): the device is opened and the pool mapped lazily, on the
 * first call that needs them, exactly once per process image.
 *
 * fork: the core's own pthread_atfork handler resets the device state of
 * the child (it must map again, as on LiteOS-A).  Ours runs with it: the
 * child keeps the descriptor, maps again on its next call, and forgets the
 * parent's dispatch thread, anonymous stubs, death nodes and the forking
 * thread's stub binding (upstream ResetIpc).  Lock order: our locks are
 * taken before the core's (our atfork handlers are registered after the
 * core's, and prepare handlers run in reverse order).
 */
#include "ipc_process.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "ipc_death.h"
#include "ipc_dispatch.h"
#include "ipc_thread.h"
#include "lipc.h"
#include "serializer_internal.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_fd = -1;
static bool g_mapped;
bool g_ipcProcessReady;     /* fast path (IpcProcessInit), read without the lock after init */

static void fork_prepare(void)
{
    IpcDispatchForkPrepare();
    IpcDeathForkPrepare();
    pthread_mutex_lock(&g_lock);
}

static void fork_parent(void)
{
    pthread_mutex_unlock(&g_lock);
    IpcDeathForkParent();
    IpcDispatchForkParent();
}

static void fork_child(void)
{
    g_mapped = false;       /* the descriptor stays valid; the pool does not */
    __atomic_store_n(&g_ipcProcessReady, false, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g_lock);
    IpcDeathForkChild();
    IpcDispatchForkChild();
    IpcThreadResetAfterFork();
}

/* WriteRemoteObject: {-1, NORMAL, stub} binds the stub to this thread (the
 * broker turns -1 into the tid of the sending thread); {-1, ANONYMOUS,
 * stub} registers a copy of the stub with the dispatch thread. */
static bool hook_write(SvcIdentity *svc)
{
    if (svc->handle != IPC_INVALID_HANDLE)
        return true;
    if (svc->token == SERVICE_TYPE_NORMAL) {
        if (svc->cookie == 0)
            return false;
        IpcThreadCurrent()->stub = (const IpcObjectStub *)svc->cookie;
        return true;
    }
    if (svc->token != SERVICE_TYPE_ANONYMOUS || svc->cookie == 0)
        return true;        /* passed through: the driver judges it */
    pid_t tid = IpcDispatchStart();
    if (tid < 0)
        return true;        /* no dispatch thread (no device or no service
                             * manager yet): passed through unchanged, the
                             * send then fails (EINVAL: handle -1, token 0) */
    uintptr_t token;
    if (IpcDispatchAddAnonymous((const IpcObjectStub *)svc->cookie, &token) < 0)
        return false;
    svc->handle = (int32_t)tid;
    svc->token = token;
    return true;
}

static void hook_read(const SvcIdentity *svc)
{
    if (svc->handle > 0)
        IpcDeathOnRead(svc->handle);
}

__attribute__((constructor)) static void ipc_process_load(void)
{
    static const IpcIoRemoteObjectHooks hooks = { hook_write, hook_read };
    IpcIoSetRemoteObjectHooks(&hooks);
}

static int init_locked(void)
{
    static bool atfork;
    if (!atfork) {
        /* after the core's (registered at its first open): see the top */
        if (g_fd < 0) {
            g_fd = lipc_dev_open();
            if (g_fd < 0)
                return -errno;
        }
        if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
            return -ENOMEM;
        atfork = true;
    }
    if (g_fd < 0 && (g_fd = lipc_dev_open()) < 0)
        return -errno;
    if (!g_mapped) {
        void *p = lipc_dev_mmap(NULL, IPC_POOL_SIZE, PROT_READ, MAP_PRIVATE, g_fd, 0);
        /* EEXIST: the program mapped the pool itself; it is the process's */
        if (p == MAP_FAILED && errno != EEXIST)
            return -errno;
        g_mapped = true;
    }
    IpcVersion v = { 0 };
    if (lipc_dev_ioctl(g_fd, IPC_GET_VERSION, &v) < 0)
        return -errno;
    if ((v.driverVersion & 0xffff) < 2)
        return -EPROTO;
    return 0;
}

int IpcProcessInitSlow(void)
{
    pthread_mutex_lock(&g_lock);
    int r = __atomic_load_n(&g_ipcProcessReady, __ATOMIC_RELAXED) ? 0 : init_locked();
    if (r == 0)
        __atomic_store_n(&g_ipcProcessReady, true, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g_lock);
    return r;
}

int IpcProcessFd(void)
{
    return g_fd;
}

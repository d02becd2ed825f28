/*
 * ipc_dispatch.c - the callback-dispatch thread and the anonymous stubs
 * (upstream StartCallbackDispatch / CallbackDispatchLoop).
 *
 * The thread makes itself this process's IPC thread (IPC_SET_IPC_THREAD,
 * which needs a service manager to exist) and then only receives: it never
 * makes calls, so nothing it receives waits behind a call.  Each anonymous
 * request and each death notice is handled on a detached worker thread (as
 * upstream), so a callback may itself make calls, even ones that call back
 * into this process.  A request for an unknown token gets MT_FAILED_REPLY
 * (sync) or is freed (async); a death notice is freed at once (upstream
 * leaks it).
 */
#include "ipc_dispatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ipc_death.h"
#include "ipc_invoker.h"
#include "ipc_process.h"
#include "lipc.h"

typedef struct AnonStub {
    struct AnonStub *next;
    uintptr_t token;
    IpcObjectStub stub;
} AnonStub;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_state;         /* 0 none, 1 starting, 2 running */
static pid_t g_tid;         /* > 0 running, < 0 -errno of the last failed start */
static AnonStub *g_anon;
static uintptr_t g_nextToken = 1;

typedef struct {
    IpcMsg *msg;            /* a request (with stub), or NULL for a death notice */
    IpcObjectStub stub;
    int32_t dead;           /* the dead handle */
} Job;

static void run_job(Job *j)
{
    if (j->msg)
        IpcInvokerServe(j->msg, &j->stub);
    else
        IpcDeathNotify(j->dead);
}

static void *job_thread(void *arg)
{
    run_job(arg);
    free(arg);
    return NULL;
}

static void spawn(Job *j)
{
    Job *copy = malloc(sizeof(*copy));
    pthread_attr_t a;
    pthread_t t;
    if (copy && pthread_attr_init(&a) == 0) {
        *copy = *j;
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        int r = pthread_create(&t, &a, job_thread, copy);
        pthread_attr_destroy(&a);
        if (r == 0)
            return;
    }
    free(copy);
    run_job(j);             /* no thread: handle it here rather than drop it */
}

static bool lookup(uintptr_t token, IpcObjectStub *out)
{
    pthread_mutex_lock(&g_lock);
    AnonStub *a = g_anon;
    while (a && a->token != token)
        a = a->next;
    if (a)
        *out = a->stub;
    pthread_mutex_unlock(&g_lock);
    return a != NULL;
}

static void *dispatch_thread(void *arg)
{
    (void)arg;
    int r = lipc_dev_ioctl(IpcProcessFd(), IPC_SET_IPC_THREAD, NULL);
    pthread_mutex_lock(&g_lock);
    g_tid = r > 0 ? (pid_t)r : -errno;
    g_state = r > 0 ? 2 : 0;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
    if (r <= 0)
        return NULL;
    for (;;) {
        IpcMsg *msg;
        r = IpcInvokerReceive(&msg);
        if (r == -EINTR || r == -ETIME)
            continue;
        if (r < 0)
            break;          /* the device is gone: nothing more will come */
        Job j = { 0 };
        if (msg->type == MT_DEATH_NOTIFY) {
            j.dead = (int32_t)msg->target.token;
            IpcInvokerFree(msg);
            spawn(&j);
        } else if (msg->type == MT_REQUEST && lookup(msg->target.token, &j.stub)) {
            j.msg = msg;
            spawn(&j);
        } else {
            IpcInvokerServe(msg, NULL);     /* failed reply or free */
        }
    }
    pthread_mutex_lock(&g_lock);
    g_state = 0;
    g_tid = r;
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

pid_t IpcDispatchStart(void)
{
    int r = IpcProcessInit();
    if (r < 0)
        return r;
    pthread_mutex_lock(&g_lock);
    if (g_state == 0) {
        pthread_attr_t a;
        pthread_t t;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        g_state = 1;
        if ((r = pthread_create(&t, &a, dispatch_thread, NULL)) != 0) {
            g_state = 0;
            g_tid = -r;
        }
        pthread_attr_destroy(&a);
    }
    while (g_state == 1)
        pthread_cond_wait(&g_cond, &g_lock);
    pid_t tid = g_tid;
    pthread_mutex_unlock(&g_lock);
    return tid;
}

int IpcDispatchAddAnonymous(const IpcObjectStub *stub, uintptr_t *token)
{
    AnonStub *a = malloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->stub = *stub;
    pthread_mutex_lock(&g_lock);
    a->token = g_nextToken++;
    a->next = g_anon;
    g_anon = a;
    pthread_mutex_unlock(&g_lock);
    *token = a->token;
    return 0;
}

void IpcDispatchForkPrepare(void)
{
    pthread_mutex_lock(&g_lock);
}

void IpcDispatchForkParent(void)
{
    pthread_mutex_unlock(&g_lock);
}

void IpcDispatchForkChild(void)
{
    AnonStub *a = g_anon;
    g_anon = NULL;
    g_state = 0;
    g_tid = 0;
    pthread_mutex_unlock(&g_lock);
    pthread_cond_init(&g_cond, NULL);
    while (a) {
        AnonStub *next = a->next;
        free(a);
        a = next;
    }
}

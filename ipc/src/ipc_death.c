/*
 * ipc_death.c - death recipients (upstream DeathCallback list).
 *
 * A node exists per handle read with ReadRemoteObject (handle > 0); it
 * holds MAX_DEATH_CALLBACK_NUM slots.  A death notice marks the node dead
 * and, under the lock, takes a snapshot of the used slots; the callbacks
 * run from the snapshot, outside the lock.  Because RemoveDeathRecipient
 * refuses (ERR_DEAD_OBJECT) once the node is dead, a successful removal
 * guarantees that callback never runs (binder's unlink promise).
 *
 * No death is missed: LiteIPC sends death notices only to processes that
 * have an IPC thread when the task dies, and our dispatch thread starts at
 * the first AddDeathRecipient.  So AddDeathRecipient first makes sure the
 * dispatch thread has set the IPC thread, THEN asks the broker whether the
 * handle is alive (lipc_handle_alive): a death after the IPC thread is set
 * produces a notice, one before is seen by the check (the node is marked
 * dead, ERR_DEAD_OBJECT).  A failed send whose target the broker reports
 * gone marks the node dead as well (IpcDeathMarkDead).  Callbacks that a
 * death found outside a notice (by a check) run on a detached thread, never
 * on the thread that made the check (it may hold its own locks).
 */
#include "ipc_death.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ipc_dispatch.h"
#include "lipc.h"

typedef struct {
    bool used;
    OnRemoteDead func;
    void *args;
} DeathSlot;

typedef struct DeathNode {
    struct DeathNode *next;
    int32_t handle;
    bool dead;
    DeathSlot slot[MAX_DEATH_CALLBACK_NUM];
} DeathNode;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static DeathNode *g_nodes;
/* Nodes marked dead, and a filter of their handles (bit handle % 256, set
 * before the count is raised, cleared when it drops to 0; a removed node's
 * bit stays until then).  Written under g_lock, read without it: lets
 * IpcDeathIsDead, which every SendRequest calls, skip the lock and the list
 * while no handle is dead (the common case), and for every handle whose
 * bit is clear once some are (before, a single dead proxy sent every later
 * call of the process through the lock and the list). */
unsigned g_ipcDeathNumDead;
uint64_t g_ipcDeathFilter[IPC_DEATH_FILTER_WORDS];

static void ndead_add_locked(int32_t handle, int d)
{
    unsigned n = g_ipcDeathNumDead + (unsigned)d;
    if (d > 0) {
        unsigned b = (unsigned)handle % (IPC_DEATH_FILTER_WORDS * 64);
        __atomic_fetch_or(&g_ipcDeathFilter[b / 64], (uint64_t)1 << (b % 64), __ATOMIC_RELAXED);
    } else if (n == 0) {
        for (int i = 0; i < IPC_DEATH_FILTER_WORDS; i++)
            __atomic_store_n(&g_ipcDeathFilter[i], 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&g_ipcDeathNumDead, n, __ATOMIC_RELEASE);
}

static DeathNode *find_locked(int32_t handle, DeathNode ***link)
{
    DeathNode **pp = &g_nodes;
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->handle == handle) {
            if (link)
                *link = pp;
            return *pp;
        }
    }
    return NULL;
}

void IpcDeathOnRead(int32_t handle)
{
    if (handle <= 0)
        return;
    pthread_mutex_lock(&g_lock);
    DeathNode *n = find_locked(handle, NULL);
    if (n && n->dead) {
        /* handles are thread ids and get reused: a live object read again
         * under a dead one's handle starts afresh.  A stale copy of the dead
         * one (e.g. from a registry that has not processed the death yet)
         * keeps it dead: ask the broker. */
        pthread_mutex_unlock(&g_lock);
        int alive = lipc_handle_alive(handle);
        pthread_mutex_lock(&g_lock);
        n = find_locked(handle, NULL);
        if (n && n->dead && alive == 1) {
            *n = (DeathNode){ .next = n->next, .handle = handle };
            ndead_add_locked(handle, -1);
        }
    } else if (!n) {
        n = calloc(1, sizeof(*n));
        if (n) {            /* no memory: AddDeathRecipient will say ERR_INVALID_PARAM */
            n->handle = handle;
            n->next = g_nodes;
            g_nodes = n;
        }
    }
    pthread_mutex_unlock(&g_lock);
}

int32_t IpcDeathAdd(int32_t handle, OnRemoteDead func, void *args, uint32_t *cbId, int *err)
{
    *err = -EINVAL;
    if (handle < 0 || !func || !cbId)
        return ERR_INVALID_PARAM;
    pthread_mutex_lock(&g_lock);
    bool known = find_locked(handle, NULL) != NULL;
    pthread_mutex_unlock(&g_lock);
    if (!known)
        return ERR_INVALID_PARAM;
    /* the notice goes to the dispatch thread: it must exist before the death */
    pid_t tid = IpcDispatchStart();
    if (tid < 0) {
        *err = (int)tid;
        return ERR_FAILED;
    }
    /* the IPC thread is set: a death from now on sends us a notice; one
     * before it is seen here */
    if (lipc_handle_alive(handle) == 0)
        IpcDeathMarkDead(handle);
    pthread_mutex_lock(&g_lock);
    int32_t ret = ERR_INVALID_PARAM;
    DeathNode *n = find_locked(handle, NULL);
    if (n && n->dead) {
        *err = -EOWNERDEAD;
        ret = ERR_DEAD_OBJECT;
    } else if (n) {
        for (uint32_t i = 0; i < MAX_DEATH_CALLBACK_NUM; i++) {
            if (!n->slot[i].used) {
                n->slot[i] = (DeathSlot){ true, func, args };
                *cbId = i;
                *err = 0;
                ret = ERR_NONE;
                break;
            }
        }
        if (ret != ERR_NONE)
            *err = -ENOSPC;
    }
    pthread_mutex_unlock(&g_lock);
    return ret;
}

int32_t IpcDeathRemove(int32_t handle, uint32_t cbId, int *err)
{
    *err = -EINVAL;
    if (handle < 0 || cbId >= MAX_DEATH_CALLBACK_NUM)
        return ERR_INVALID_PARAM;
    pthread_mutex_lock(&g_lock);
    int32_t ret = ERR_INVALID_PARAM;
    DeathNode *n = find_locked(handle, NULL);
    if (n && n->dead) {
        *err = -EOWNERDEAD;
        ret = ERR_DEAD_OBJECT;
    } else if (n && n->slot[cbId].used) {
        n->slot[cbId] = (DeathSlot){ 0 };
        *err = 0;
        ret = ERR_NONE;
    }
    pthread_mutex_unlock(&g_lock);
    return ret;
}

int32_t IpcDeathRelease(int32_t handle, int *err)
{
    *err = -EINVAL;
    if (handle <= 0)
        return ERR_INVALID_PARAM;
    pthread_mutex_lock(&g_lock);
    DeathNode **link = NULL;
    DeathNode *n = find_locked(handle, &link);
    if (n) {
        *link = n->next;
        if (n->dead)
            ndead_add_locked(handle, -1);
        free(n);
        *err = 0;
    }
    pthread_mutex_unlock(&g_lock);
    return n ? ERR_NONE : ERR_INVALID_PARAM;
}

bool IpcDeathIsDeadSlow(int32_t handle)
{
    pthread_mutex_lock(&g_lock);
    DeathNode *n = find_locked(handle, NULL);
    bool dead = n && n->dead;
    pthread_mutex_unlock(&g_lock);
    return dead;
}

/* Marks the node dead; the callbacks it had go to snap. */
static bool mark_dead(int32_t handle, DeathSlot *snap)
{
    bool any = false;
    pthread_mutex_lock(&g_lock);
    DeathNode *n = find_locked(handle, NULL);
    if (n && !n->dead) {
        n->dead = true;
        ndead_add_locked(handle, 1);
        for (int i = 0; i < MAX_DEATH_CALLBACK_NUM; i++) {
            snap[i] = n->slot[i];
            any |= snap[i].used;
            n->slot[i] = (DeathSlot){ 0 };
        }
    }
    pthread_mutex_unlock(&g_lock);
    return any;
}

static void run_snapshot(const DeathSlot *snap)
{
    for (int i = 0; i < MAX_DEATH_CALLBACK_NUM; i++)
        if (snap[i].used)
            snap[i].func(snap[i].args);
}

static void *snapshot_thread(void *arg)
{
    run_snapshot(arg);
    free(arg);
    return NULL;
}

void IpcDeathNotify(int32_t handle)
{
    DeathSlot snap[MAX_DEATH_CALLBACK_NUM] = { 0 };
    if (mark_dead(handle, snap))
        run_snapshot(snap);
}

void IpcDeathMarkDead(int32_t handle)
{
    DeathSlot *snap = calloc(MAX_DEATH_CALLBACK_NUM, sizeof(*snap));
    DeathSlot local[MAX_DEATH_CALLBACK_NUM] = { 0 };
    if (!mark_dead(handle, snap ? snap : local)) {
        free(snap);
        return;
    }
    if (snap) {
        pthread_attr_t a;
        pthread_t t;
        if (pthread_attr_init(&a) == 0) {
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            int r = pthread_create(&t, &a, snapshot_thread, snap);
            pthread_attr_destroy(&a);
            if (r == 0)
                return;
        }
        run_snapshot(snap);     /* no thread: run them here rather than drop them */
        free(snap);
        return;
    }
    run_snapshot(local);
}

void IpcDeathForkPrepare(void)
{
    pthread_mutex_lock(&g_lock);
}

void IpcDeathForkParent(void)
{
    pthread_mutex_unlock(&g_lock);
}

void IpcDeathForkChild(void)
{
    DeathNode *n = g_nodes;
    g_nodes = NULL;
    g_ipcDeathNumDead = 0;
    for (int i = 0; i < IPC_DEATH_FILTER_WORDS; i++)
        g_ipcDeathFilter[i] = 0;
    pthread_mutex_unlock(&g_lock);
    while (n) {
        DeathNode *next = n->next;
        free(n);
        n = next;
    }
}

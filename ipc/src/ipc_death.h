/*
 * ipc_death.h - death recipients: one node per remote handle read with
 * ReadRemoteObject, up to MAX_DEATH_CALLBACK_NUM callbacks each.  Internal.
 */
#ifndef LIPC_IPC_DEATH_H
#define LIPC_IPC_DEATH_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc_skeleton.h"

/* ReadRemoteObject saw handle (> 0): create its node if there is none. */
void IpcDeathOnRead(int32_t handle);

/* The public functions; they return upstream codes and set *err (-errno). */
int32_t IpcDeathAdd(int32_t handle, OnRemoteDead func, void *args, uint32_t *cbId, int *err);
int32_t IpcDeathRemove(int32_t handle, uint32_t cbId, int *err);
int32_t IpcDeathRelease(int32_t handle, int *err);

/* Nodes marked dead, and a filter of their handles (ipc_death.c); written
 * under the death lock, read without it. */
#define IPC_DEATH_FILTER_WORDS 4
extern unsigned g_ipcDeathNumDead;
extern uint64_t g_ipcDeathFilter[IPC_DEATH_FILTER_WORDS];

/* IpcDeathIsDead's slow path: looks the node up under the lock. */
bool IpcDeathIsDeadSlow(int32_t handle);

/* True if a death notice was received for handle (or a check found it
 * gone).  Inline: every SendRequest asks, and while no handle is dead (the
 * common case) it is one load, no lock; with some dead, two loads for a
 * handle whose filter bit is clear.  A node dying meanwhile is the same
 * race as dying just after the check: the send then fails with the core's
 * own error. */
static inline bool IpcDeathIsDead(int32_t handle)
{
    if (handle <= 0 || __atomic_load_n(&g_ipcDeathNumDead, __ATOMIC_ACQUIRE) == 0)
        return false;
    unsigned b = (unsigned)handle % (IPC_DEATH_FILTER_WORDS * 64);
    if (!(__atomic_load_n(&g_ipcDeathFilter[b / 64], __ATOMIC_RELAXED) & ((uint64_t)1 << (b % 64))))
        return false;
    return IpcDeathIsDeadSlow(handle);
}

/* A death notice for handle: marks its node dead and runs its callbacks
 * (outside the lock) on the calling thread. */
void IpcDeathNotify(int32_t handle);

/* The broker says handle is gone (no notice yet, maybe never): marks its
 * node dead; its callbacks run on a detached thread (not the caller's). */
void IpcDeathMarkDead(int32_t handle);

void IpcDeathForkPrepare(void);
void IpcDeathForkParent(void);
void IpcDeathForkChild(void);   /* unlocks and forgets every node */

#endif

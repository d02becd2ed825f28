/*
 * ipc_process.h - the process skeleton: lazy device initialisation
 * (open, 256 KiB pool, version check), fork handling, serializer hooks.
 * Internal to libipc_single.so.
 */
#ifndef LIPC_IPC_PROCESS_H
#define LIPC_IPC_PROCESS_H

#define IPC_POOL_SIZE (256 * 1024)     /* upstream MMAP_MAX_SIZE */

#include <stdbool.h>

/* Set (release) once the device is open and mapped; cleared in a fork child. */
extern bool g_ipcProcessReady;

/* IpcProcessInit's slow path (lock, open, map, version check). */
int IpcProcessInitSlow(void);

/* Opens and maps the device on first use.  Returns 0 or -errno (sticky
 * only until the next attempt: a later call retries, e.g. once a broker
 * runs).  Inline: every public call goes through it, and once initialised
 * it is one load. */
static inline int IpcProcessInit(void)
{
    if (__builtin_expect(__atomic_load_n(&g_ipcProcessReady, __ATOMIC_ACQUIRE), 1))
        return 0;
    return IpcProcessInitSlow();
}

/* The device descriptor (IpcProcessInit must have succeeded). */
int IpcProcessFd(void);

#endif

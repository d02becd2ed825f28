/*
 * ipc_process.h - the process skeleton: lazy device initialisation
 * (open, 256 KiB pool, version check), fork handling, serializer hooks.
 * Internal to libipc_single.so.
 */
#ifndef LIPC_IPC_PROCESS_H
#define LIPC_IPC_PROCESS_H

#define IPC_POOL_SIZE (256 * 1024)     /* upstream MMAP_MAX_SIZE */

/* Opens and maps the device on first use.  Returns 0 or -errno (sticky
 * only until the next attempt: a later call retries, e.g. once a broker
 * runs). */
int IpcProcessInit(void);

/* The device descriptor (IpcProcessInit must have succeeded). */
int IpcProcessFd(void);

#endif

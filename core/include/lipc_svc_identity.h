/*
 * SvcIdentity: the one definition shared by lite_ipc.h (device ABI) and
 * serializer.h (C IPC library), laid out as in OpenHarmony's new C IPC
 * library: { int32_t handle; uintptr_t token; uintptr_t cookie; }.
 * On 32-bit LiteOS-A this equals the kernel's three UINT32s; on x86-64 it is
 * 24 bytes, and the broker and library use this layout on both sides.
 */
#ifndef LIPC_SVC_IDENTITY_H
#define LIPC_SVC_IDENTITY_H

#include <stdint.h>

#ifndef LIPC_SVC_IDENTITY_DEFINED
#define LIPC_SVC_IDENTITY_DEFINED
typedef struct {
    int32_t handle;
    uintptr_t token;
    uintptr_t cookie;
} SvcIdentity;
#endif

#endif

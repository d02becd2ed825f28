/*
 * iunknown.h - the base interface of every samgr API (COM style).
 *
 * An API object embeds its IUnknown inside an IUnknownEntry-shaped struct
 * ({uint16 ver; int16 ref; T iUnknown;}) so that the default implementation
 * can find the version and reference count from the IUnknown pointer.
 *
 * QueryInterface(iu, version, &target) succeeds when every bit of version is
 * set in the entry's ver (version 0 only if ver is 0 or has DEFAULT_VERSION);
 * it AddRefs the object. Release never frees (default objects are static).
 */
#ifndef LITE_IUNKNOWN_H
#define LITE_IUNKNOWN_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct IUnknownEntry IUnknownEntry;
typedef struct IUnknown IUnknown;

#define DEFAULT_VERSION 0x20

#define INHERIT_IUNKNOWN                                                   \
    int (*QueryInterface)(IUnknown * iUnknown, int version, void **target); \
    int (*AddRef)(IUnknown * iUnknown);                                     \
    int (*Release)(IUnknown * iUnknown)

#define INHERIT_IUNKNOWNENTRY(T) \
    uint16 ver;                  \
    int16 ref;                   \
    T iUnknown

#define DEFAULT_IUNKNOWN_IMPL                  \
    .QueryInterface = IUNKNOWN_QueryInterface, \
    .AddRef = IUNKNOWN_AddRef,                 \
    .Release = IUNKNOWN_Release

#define IUNKNOWN_ENTRY_BEGIN(version) \
    .ver = (version),                 \
    .ref = 1,                         \
    .iUnknown = {                     \
        DEFAULT_IUNKNOWN_IMPL

#define IUNKNOWN_ENTRY_END }

#define DEFAULT_IUNKNOWN_ENTRY_BEGIN IUNKNOWN_ENTRY_BEGIN(DEFAULT_VERSION)

#define DEFAULT_IUNKNOWN_ENTRY_END IUNKNOWN_ENTRY_END

#define GET_IUNKNOWN(T) (IUnknown *)(&((T).iUnknown))

struct IUnknown {
    INHERIT_IUNKNOWN;
};

struct IUnknownEntry {
    INHERIT_IUNKNOWNENTRY(IUnknown);
};

/* ref++; returns the new count, EC_INVALID for NULL. */
int IUNKNOWN_AddRef(IUnknown *iUnknown);
/* See the file comment; EC_SUCCESS or EC_INVALID. On success *target = iUnknown (AddRef'd). */
int IUNKNOWN_QueryInterface(IUnknown *iUnknown, int ver, void **target);
/* Returns ref-1; stores it only if > 0. Never frees. EC_INVALID for NULL. */
int IUNKNOWN_Release(IUnknown *iUnknown);

#ifdef __cplusplus
}
#endif
#endif /* LITE_IUNKNOWN_H */

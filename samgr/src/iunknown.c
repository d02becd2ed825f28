/*
 * iunknown.c - default IUnknown implementation.
 * The reference count is updated atomically (upstream uses plain ++/--);
 * the observable values are the same.
 */
#include "iunknown.h"

#include "ohos_errno.h"

#define OLD_VERSION 0

int IUNKNOWN_AddRef(IUnknown *iUnknown)
{
    if (iUnknown == NULL) {
        return EC_INVALID;
    }
    IUnknownEntry *entry = GET_OBJECT(iUnknown, IUnknownEntry, iUnknown);
    return __atomic_add_fetch(&entry->ref, 1, __ATOMIC_RELAXED);
}

int IUNKNOWN_QueryInterface(IUnknown *iUnknown, int ver, void **target)
{
    if (iUnknown == NULL || target == NULL) {
        return EC_INVALID;
    }
    IUnknownEntry *entry = GET_OBJECT(iUnknown, IUnknownEntry, iUnknown);
    if ((int)(entry->ver & (uint16)ver) != ver) {
        return EC_INVALID;
    }
    if (ver == OLD_VERSION && entry->ver != OLD_VERSION &&
        (entry->ver & (uint16)DEFAULT_VERSION) != (uint16)DEFAULT_VERSION) {
        return EC_INVALID;
    }
    *target = iUnknown;
    iUnknown->AddRef(iUnknown);
    return EC_SUCCESS;
}

int IUNKNOWN_Release(IUnknown *iUnknown)
{
    if (iUnknown == NULL) {
        return EC_INVALID;
    }
    IUnknownEntry *entry = GET_OBJECT(iUnknown, IUnknownEntry, iUnknown);
    int16 old = __atomic_load_n(&entry->ref, __ATOMIC_RELAXED);
    for (;;) {
        int ref = old - 1;
        if (ref <= 0) {
            /* < 0: already released (an error); == 0: nobody holds it, but
             * default objects are static, so it is neither stored nor freed */
            return ref;
        }
        if (__atomic_compare_exchange_n(&entry->ref, &old, (int16)ref, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            return ref;
        }
    }
}

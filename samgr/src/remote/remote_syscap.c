/*
 * remote_syscap.c - system capabilities over IPC (strong definitions of
 * the registry hooks).  The capability name is written with WriteString
 * (upstream's rpc variant wrote WriteBool, §5.3.1).
 */
#include <stdio.h>
#include <string.h>

#include "ohos_errno.h"
#include "remote_internal.h"
#include "samgr_proto.h"
#include "service_registry.h"

static int32 syscap_req(uint32_t option, const char *name, BOOL *reg)
{
    char buf[256];
    IpcIo req, reply;
    samgr_req_begin(&req, buf, sizeof(buf), 0, RES_SYSCAP, option);
    if (!WriteString(&req, name))
        return EC_INVALID;
    uintptr_t msg = 0;
    if (lipc_samgr_call(&req, &reply, &msg) != ERR_NONE)
        return EC_FAILURE;
    int32_t r = EC_FAILURE;
    ReadInt32(&reply, &r);
    if (r == EC_SUCCESS && reg) {
        bool b = false;
        if (!ReadBool(&reply, &b))
            r = EC_FAILURE;
        *reg = b ? TRUE : FALSE;
    }
    FreeBuffer((void *)msg);
    return r;
}

int32 SAMGR_RegisterSystemCapabilityApi(const char *sysCap, BOOL isReg)
{
    if (!sysCap || !isReg)
        return EC_INVALID;
    return syscap_req(OP_PUT, sysCap, NULL);
}

BOOL SAMGR_QuerySystemCapabilityApi(const char *sysCap)
{
    BOOL reg = FALSE;
    if (!sysCap || syscap_req(OP_GET, sysCap, &reg) != EC_SUCCESS)
        return FALSE;
    return reg;
}

int32 SAMGR_GetSystemCapabilitiesApi(char sysCaps[MAX_SYSCAP_NUM][MAX_SYSCAP_NAME_LEN], int32 *size)
{
    if (!sysCaps || !size)
        return EC_INVALID;
    uint32_t start = 0;
    int32 n = 0;
    for (;;) {
        _Alignas(max_align_t) char buf[64];
        IpcIo req, reply;
        samgr_req_begin(&req, buf, sizeof(buf), 0, RES_SYSCAP, OP_ALL);
        WriteUint32(&req, start);
        uintptr_t msg = 0;
        if (lipc_samgr_call(&req, &reply, &msg) != ERR_NONE)
            return EC_FAILURE;
        int32_t r = EC_FAILURE;
        bool isEnd = true;
        uint32_t next = 0, count = 0;
        if (!ReadInt32(&reply, &r) || r != EC_SUCCESS || !ReadBool(&reply, &isEnd) ||
            !ReadUint32(&reply, &next) || !ReadUint32(&reply, &count)) {
            FreeBuffer((void *)msg);
            return r == EC_SUCCESS ? EC_FAILURE : r;
        }
        for (uint32_t i = 0; i < count; i++) {
            size_t len;
            const char *s = (const char *)ReadString(&reply, &len);
            if (!s)
                break;
            if (n < MAX_SYSCAP_NUM && len < MAX_SYSCAP_NAME_LEN) {
                memcpy(sysCaps[n], s, len + 1);
                n++;
            }
        }
        FreeBuffer((void *)msg);
        if (isEnd || next <= start)
            break;
        start = next;
    }
    *size = n;
    return EC_SUCCESS;
}

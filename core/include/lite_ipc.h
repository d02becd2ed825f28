/*
 * lite_ipc.h - the LiteIPC device user ABI (OpenHarmony LiteOS-A
 * /dev/lite_ipc), as implemented on Linux by liteipc.
 *
 * Programs written for the LiteOS-A driver use open()/mmap()/ioctl()/close()
 * on LITEIPC_DRIVER.  On Linux either link against libliteipc and call the
 * lipc_dev_*() functions declared in lipc.h, or run the unchanged program
 * with LD_PRELOAD=libliteipc_preload.so, which routes those calls here.
 *
 * ABI choice (see docs/DEVIATIONS.md): the structures are the native-width
 * versions of the LiteOS-A ones; pointers and SvcIdentity fields are native
 * width, and the offsets array of a message is an array of size_t (as
 * IpcIo's offsets are), not of UINT32.  On 32-bit targets both coincide.
 */
#ifndef LITE_IPC_H
#define LITE_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include "lipc_svc_identity.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LITEIPC_DRIVER              "/dev/lite_ipc"
#define LITE_IPC_POOL_MAX_SIZE      (64 * 4096)     /* largest mmap length */
#define LITE_IPC_POOL_DEFAULT_SIZE  (16 * 4096)
#define LITE_IPC_POOL_UVADDR        0x10000000      /* defined, unused (as upstream) */
#define IPC_IO_DATA_MAX             8192
#define LITEIPC_TIMEOUT_MS          5000
#define LITEIPC_TIMEOUT_NS          5000000000ULL
#define LITEIPC_DRIVER_VERSION      2               /* major 2, minor 0 */

typedef enum { OBJ_FD, OBJ_PTR, OBJ_SVC } ObjType;

typedef struct {
    uint32_t buffSz;
    void *buff;
} BuffPtr;

typedef union {
    uint32_t fd;
    BuffPtr ptr;
    SvcIdentity svc;
} ObjContent;

typedef struct {
    ObjType type;
    ObjContent content;
} SpecialObj;

typedef enum { MT_REQUEST, MT_REPLY, MT_FAILED_REPLY, MT_DEATH_NOTIFY, MT_NUM } MsgType;

typedef enum { LITEIPC_FLAG_DEFAULT = 0, LITEIPC_FLAG_ONEWAY = 1 } IpcFlag;

typedef struct {
    MsgType type;
    SvcIdentity target;
    uint32_t code;
    uint32_t flag;
    uint64_t timestamp;
    uint32_t dataSz;
    void *data;
    uint32_t spObjNum;
    void *offsets;          /* size_t[spObjNum]: byte offsets of SpecialObj in data */
    uint32_t processID;     /* filled in from the kernel-verified sender identity */
    uint32_t taskID;
    uint32_t userID;
    uint32_t gid;
} IpcMsg;

#define IPC_MSG_DATA_SZ_MAX    (IPC_IO_DATA_MAX * sizeof(SpecialObj) / (sizeof(SpecialObj) + sizeof(size_t)))
#define IPC_MSG_OBJECT_NUM_MAX (IPC_MSG_DATA_SZ_MAX / sizeof(SpecialObj))

#define SEND      (1 << 0)
#define RECV      (1 << 1)
#define BUFF_FREE (1 << 2)

typedef struct {
    uint32_t flag;
    IpcMsg *outMsg;
    IpcMsg *inMsg;
    void *buffToFree;
} IpcContent;

typedef enum { CMS_GEN_HANDLE, CMS_REMOVE_HANDLE, CMS_ADD_ACCESS } CmsCmd;

typedef struct {
    CmsCmd cmd;
    uint32_t taskID;
    uint32_t serviceHandle;
} CmsCmdContent;

typedef struct {
    int32_t driverVersion;
} IpcVersion;

#define IPC_IOC_MAGIC       'i'
#define IPC_SET_CMS         _IO(IPC_IOC_MAGIC, 1)
#define IPC_CMS_CMD         _IOWR(IPC_IOC_MAGIC, 2, CmsCmdContent)
#define IPC_SET_IPC_THREAD  _IO(IPC_IOC_MAGIC, 3)
#define IPC_SEND_RECV_MSG   _IOWR(IPC_IOC_MAGIC, 4, IpcContent)
#define IPC_GET_VERSION     _IOR(IPC_IOC_MAGIC, 5, IpcVersion)

#ifdef __cplusplus
}
#endif
#endif /* LITE_IPC_H */

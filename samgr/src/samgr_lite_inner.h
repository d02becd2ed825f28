/* samgr_lite_inner.h - the samgr singleton. */
#ifndef SAMGR_LITE_INNER_H
#define SAMGR_LITE_INNER_H

#include "common.h"
#include "samgr_lite.h"
#include "service_impl.h"
#include "task_manager.h"

#define MAX_POOL_NUM 8
#define PROPER_POOL_SIZE 8   /* priorities per shared bucket */
#define MAX_SERVICE_NUM 0x7FF0

typedef enum BootStatus {
    BOOT_SYS = 0,
    BOOT_SYS_WAIT = 1,
    BOOT_APP = 2,
    BOOT_APP_WAIT = 3,
    BOOT_DYNAMIC = 4,
    BOOT_DYNAMIC_WAIT = 5,
} BootStatus;

#define TO_NEXT_STATUS(status) (BootStatus)((uint8)(status) | 0x1)

typedef struct SamgrLiteImpl SamgrLiteImpl;
struct SamgrLiteImpl {
    SamgrLite vtbl;
    MutexId mutex;
    BootStatus status;
    Vector services;
    TaskPool *sharedPool[MAX_POOL_NUM];
};

/* Current boot status (for tests and the remote registry). */
BootStatus SAMGR_GetBootStatus(void);

#endif

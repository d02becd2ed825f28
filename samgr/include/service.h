/*
 * service.h - a samgr service: a name, an initialiser, a message handler and
 * the configuration of the task that runs it.
 */
#ifndef LITE_SERVICE_H
#define LITE_SERVICE_H

#include "ohos_types.h"
#include "message.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Service Service;
typedef struct TaskConfig TaskConfig;

typedef enum TaskType {
    SHARED_TASK = 0,     /* one thread per priority bucket, shared by services */
    SINGLE_TASK = 1,     /* a thread of its own */
#ifndef DISABLE_SAMGR_LITE_SPECIFIED_TASK
    SPECIFIED_TASK = 2,  /* shares the thread of a service with a byte-identical TaskConfig */
#endif
#ifndef DISABLE_SAMGR_LITE_NO_TASK
    NO_TASK = 0xFF,      /* no thread: initialised synchronously, messages refused */
#endif
} TaskType;

typedef enum SpecifyTag {
    LEVEL_HIGH = 0,
    LEVEL_MIDDLE = 1,
    LEVEL_LOW = 2,
    LEVEL_CUSTOM_BEGIN,
} SpecifyTag;

typedef enum TaskPriority {
    PRI_LOW = 9,
    PRI_BELOW_NORMAL = 16,
    PRI_NORMAL = 24,
    PRI_ABOVE_NORMAL = 32,
    PRI_BUTT = 39,
} TaskPriority;

#pragma pack(1)
struct TaskConfig {
    int16 level;        /* SpecifyTag, distinguishes SPECIFIED_TASK groups */
    int16 priority;     /* TaskPriority */
    uint16 stackSize;   /* bytes; raised to a Linux minimum */
    uint16 queueSize;   /* number of messages */
    uint8 taskFlags;    /* TaskType */
};
#pragma pack()

#define INHERIT_SERVICE                                          \
    const char *(*GetName)(Service * service);                  \
    BOOL (*Initialize)(Service * service, Identity identity);   \
    BOOL (*MessageHandle)(Service * service, Request * request); \
    TaskConfig (*GetTaskConfig)(Service * service)

struct Service {
    INHERIT_SERVICE;
};

#ifdef __cplusplus
}
#endif
#endif /* LITE_SERVICE_H */

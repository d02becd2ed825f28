/*
 * broadcast_service.c - the "Broadcast" service (registered at load time).
 * TaskConfig {LEVEL_HIGH, PRI_ABOVE_NORMAL, 0x800, 40, SPECIFIED_TASK}.
 */
#include "broadcast_interface.h"
#include "ohos_init.h"
#include "pub_sub_feature.h"
#include "samgr_lite.h"
#include "service.h"

static const char *GetName(Service *service)
{
    (void)service;
    return BROADCAST_SERVICE;
}

static BOOL Initialize(Service *service, Identity identity)
{
    (void)service;
    (void)identity;
    return TRUE;
}

static BOOL MessageHandle(Service *service, Request *request)
{
    (void)service;
    (void)request;
    return TRUE;
}

static TaskConfig GetTaskConfig(Service *service)
{
    (void)service;
    TaskConfig config = {LEVEL_HIGH, PRI_ABOVE_NORMAL, BROADCAST_STACK_SIZE, BROADCAST_QUEUE_SIZE, SPECIFIED_TASK};
    return config;
}

static Service g_broadcastService = {GetName, Initialize, MessageHandle, GetTaskConfig};

static void Init(void)
{
    (void)SAMGR_GetInstance()->RegisterService(&g_broadcastService);
}
SYS_SERVICE_INIT(Init);

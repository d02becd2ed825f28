/*
 * libsvc_echo.so - the second example service library of the foundation
 * host: service "echo" whose default API is exported (ECHO_UPPER: a string
 * back in upper case).  Used to show dynamic registration: dropped into the
 * service directory after boot, loaded on SIGHUP.
 */
#include <ctype.h>
#include <string.h>

#include "iproxy_server.h"
#include "ohos_errno.h"
#include "ohos_init.h"
#include "samgr_lite.h"
#include "service.h"
#include "svc_calc.h"

typedef struct {
    INHERIT_SERVICE;
    Identity identity;
} EchoService;

static const char *svc_name(Service *s)
{
    (void)s;
    return ECHO_SERVICE;
}
static BOOL svc_init(Service *s, Identity id)
{
    ((EchoService *)s)->identity = id;
    return TRUE;
}
static BOOL svc_msg(Service *s, Request *r)
{
    (void)s;
    (void)r;
    return TRUE;
}
static TaskConfig svc_cfg(Service *s)
{
    (void)s;
    TaskConfig c = {LEVEL_HIGH, PRI_NORMAL, 0x800, 20, SHARED_TASK};
    return c;
}
static EchoService g_service = {svc_name, svc_init, svc_msg, svc_cfg, {-1, -1, NULL}};

static int32 echo_invoke(IServerProxy *p, int funcId, void *origin, IpcIo *req, IpcIo *reply)
{
    (void)p;
    (void)origin;
    size_t len = 0;
    const char *s = (const char *)ReadString(req, &len);
    if (funcId != ECHO_UPPER || !s || len >= 256)
        return EC_INVALID;
    char buf[256];
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)toupper((unsigned char)s[i]);
    buf[len] = 0;
    WriteString(reply, buf);
    return EC_SUCCESS;
}

typedef struct {
    INHERIT_IUNKNOWNENTRY(IServerProxy);
} EchoApi;
static EchoApi g_api = {SERVER_IPROXY_IMPL_BEGIN, .Invoke = echo_invoke, IPROXY_END};

static void echo_init(void)
{
    SamgrLite *s = SAMGR_GetInstance();
    s->RegisterService((Service *)&g_service);
    s->RegisterDefaultFeatureApi(ECHO_SERVICE, GET_IUNKNOWN(g_api));
}
SYS_SERVICE_INIT(echo_init);

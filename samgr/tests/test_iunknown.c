/* IUnknown (reference 3.3): version masks, AddRef/Release, the entry macros. */
#include "iunknown.h"
#include "samgr_test.h"

typedef struct DemoApi {
    INHERIT_IUNKNOWN;
    int (*Hello)(IUnknown *iUnknown);
} DemoApi;

typedef struct DemoEntry {
    INHERIT_IUNKNOWNENTRY(DemoApi);
    int extra;
} DemoEntry;

static int Hello(IUnknown *iUnknown)
{
    (void)iUnknown;
    return 42;
}

static DemoEntry g_default = {
    DEFAULT_IUNKNOWN_ENTRY_BEGIN,
    .Hello = Hello,
    DEFAULT_IUNKNOWN_ENTRY_END,
    .extra = 7,
};

/* 0xA0 = SERVER_PROXY_VER (0x80) | DEFAULT_VERSION: what SERVER_IPROXY_IMPL_BEGIN builds */
static DemoEntry g_serverImpl = {
    IUNKNOWN_ENTRY_BEGIN(0xA0),
    .Hello = Hello,
    IUNKNOWN_ENTRY_END,
    .extra = 0,
};

static DemoEntry g_old = {
    IUNKNOWN_ENTRY_BEGIN(0),
    .Hello = Hello,
    IUNKNOWN_ENTRY_END,
    .extra = 0,
};

static DemoEntry g_serverOnly = {
    IUNKNOWN_ENTRY_BEGIN(0x80),
    .Hello = Hello,
    IUNKNOWN_ENTRY_END,
    .extra = 0,
};

static void TestEntryLayout(void)
{
    CHECK_EQ(g_default.ver, DEFAULT_VERSION);
    CHECK_EQ(g_default.ref, 1);
    IUnknown *iu = GET_IUNKNOWN(g_default);
    CHECK(iu == (IUnknown *)&g_default.iUnknown);
    CHECK(iu->QueryInterface == IUNKNOWN_QueryInterface);
    CHECK(iu->AddRef == IUNKNOWN_AddRef);
    CHECK(iu->Release == IUNKNOWN_Release);
    CHECK_EQ(g_default.iUnknown.Hello(iu), 42);
    CHECK(GET_OBJECT(iu, IUnknownEntry, iUnknown) == (IUnknownEntry *)&g_default);
}

static void TestRefCounting(void)
{
    IUnknown *iu = GET_IUNKNOWN(g_default);
    CHECK_EQ(IUNKNOWN_AddRef(NULL), EC_INVALID);
    CHECK_EQ(IUNKNOWN_Release(NULL), EC_INVALID);
    CHECK_EQ(iu->AddRef(iu), 2);
    CHECK_EQ(iu->AddRef(iu), 3);
    CHECK_EQ(iu->Release(iu), 2);
    CHECK_EQ(g_default.ref, 2);
    CHECK_EQ(iu->Release(iu), 1);
    /* reaching 0: returned but not stored (static objects are never freed) */
    CHECK_EQ(iu->Release(iu), 0);
    CHECK_EQ(g_default.ref, 1);
    CHECK_EQ(iu->Release(iu), 0);
    g_default.ref = 0;
    CHECK_EQ(iu->Release(iu), -1);   /* below zero: returned, not stored */
    CHECK_EQ(g_default.ref, 0);
    g_default.ref = 1;
}

static void TestQueryInterface(void)
{
    IUnknown *iu = GET_IUNKNOWN(g_default);
    void *target = NULL;
    CHECK_EQ(IUNKNOWN_QueryInterface(NULL, DEFAULT_VERSION, &target), EC_INVALID);
    CHECK_EQ(IUNKNOWN_QueryInterface(iu, DEFAULT_VERSION, NULL), EC_INVALID);

    CHECK_EQ(iu->QueryInterface(iu, DEFAULT_VERSION, &target), EC_SUCCESS);
    CHECK(target == iu);
    CHECK_EQ(g_default.ref, 2);   /* QueryInterface AddRefs */
    CHECK_EQ(iu->Release(iu), 1);
    /* version 0 (OLD_VERSION) is accepted because DEFAULT bit is set */
    target = NULL;
    CHECK_EQ(iu->QueryInterface(iu, 0, &target), EC_SUCCESS);
    CHECK(target == iu);
    iu->Release(iu);
    /* bits the entry lacks */
    target = NULL;
    CHECK_EQ(iu->QueryInterface(iu, 0x40, &target), EC_INVALID);
    CHECK(target == NULL);
    CHECK_EQ(iu->QueryInterface(iu, 0x60, &target), EC_INVALID);   /* CLIENT_PROXY_VER */
    CHECK_EQ(iu->QueryInterface(iu, 0x80, &target), EC_INVALID);
    CHECK_EQ(iu->QueryInterface(iu, 0x10020, &target), EC_INVALID);   /* bits beyond uint16 */
    CHECK_EQ(g_default.ref, 1);

    /* server impl proxy (0xA0): DEFAULT and SERVER_PROXY_VER yes, CLIENT_PROXY_VER no */
    IUnknown *server = GET_IUNKNOWN(g_serverImpl);
    CHECK_EQ(server->QueryInterface(server, DEFAULT_VERSION, &target), EC_SUCCESS);
    CHECK_EQ(server->QueryInterface(server, 0x80, &target), EC_SUCCESS);
    CHECK_EQ(server->QueryInterface(server, 0xA0, &target), EC_SUCCESS);
    CHECK_EQ(server->QueryInterface(server, 0x60, &target), EC_INVALID);
    CHECK_EQ(server->QueryInterface(server, 0, &target), EC_SUCCESS);
    CHECK_EQ(g_serverImpl.ref, 5);

    /* entry with ver 0 accepts only 0 */
    IUnknown *old = GET_IUNKNOWN(g_old);
    CHECK_EQ(old->QueryInterface(old, 0, &target), EC_SUCCESS);
    CHECK_EQ(old->QueryInterface(old, DEFAULT_VERSION, &target), EC_INVALID);

    /* ver 0x80 without the DEFAULT bit refuses version 0 */
    IUnknown *serverOnly = GET_IUNKNOWN(g_serverOnly);
    CHECK_EQ(serverOnly->QueryInterface(serverOnly, 0, &target), EC_INVALID);
    CHECK_EQ(serverOnly->QueryInterface(serverOnly, 0x80, &target), EC_SUCCESS);
    CHECK_EQ(serverOnly->QueryInterface(serverOnly, DEFAULT_VERSION, &target), EC_INVALID);
}

int main(void)
{
    TestEntryLayout();
    TestRefCounting();
    TestQueryInterface();
    printf("test_iunknown: ok\n");
    return 0;
}

/*
 * IpcIoSetRemoteObjectHooks may run while other threads serialize remote
 * objects (the skeleton registers its hooks lazily, on first use).  Run
 * under ThreadSanitizer (label "tsan"), this checks that the hook
 * registration and its use do not race; in normal builds, it checks that
 * every write sees either no hook or the complete hook.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lipc_test.h"
#include "serializer.h"
#include "serializer_internal.h"

#define ROUNDS 20000

static atomic_int g_calls;
static atomic_bool g_stop;

static bool Hook(SvcIdentity *svc)
{
    atomic_fetch_add_explicit(&g_calls, 1, memory_order_relaxed);
    svc->token = 42;
    return true;
}

static void *Writer(void *arg)
{
    (void)arg;
    _Alignas(16) uint8_t buf[256];
    while (!atomic_load(&g_stop)) {
        IpcIo io;
        IpcIoInit(&io, buf, sizeof(buf), 1);
        SvcIdentity svc = { 1, 7, 0 };
        CHECK(WriteRemoteObject(&io, &svc));
        SvcIdentity out;
        IpcIo r = io;
        r.bufferCur = r.bufferBase;
        r.bufferLeft = (size_t)(io.bufferCur - io.bufferBase);
        r.offsetsCur = r.offsetsBase;
        r.offsetsLeft = 1;
        CHECK(ReadRemoteObject(&r, &out));
        CHECK(out.token == 7 || out.token == 42);   /* no hook, or the whole hook */
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        CHECK(pthread_create(&t[i], NULL, Writer, NULL) == 0);
    }
    const IpcIoRemoteObjectHooks hooks = { Hook, NULL };
    for (int i = 0; i < ROUNDS; i++) {
        IpcIoSetRemoteObjectHooks((i & 1) ? NULL : &hooks);
    }
    IpcIoSetRemoteObjectHooks(&hooks);
    int before = atomic_load(&g_calls);
    while (atomic_load(&g_calls) == before) {
        sched_yield();              /* the writers must now see the hook */
    }
    atomic_store(&g_stop, true);
    for (int i = 0; i < 2; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
    }
    IpcIoSetRemoteObjectHooks(NULL);
    printf("ok 1 - hooks set while %d writes ran\n", atomic_load(&g_calls));
    return 0;
}

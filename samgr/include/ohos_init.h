/*
 * ohos_init.h - layered initialisation macros (OpenHarmony utils_lite).
 *
 * This is the small-system variant (LAYER_INIT_SHARED_LIB): every macro
 * expands to a static constructor whose priority is CTOR_VALUE_<layer> plus
 * the priority (0..4, default 2), so the registrations run while the program
 * (or the shared library that holds them) is loaded, in this global order:
 *
 *   CORE_INIT                              110..114
 *   SYS_SERVICE_INIT                       120..124
 *   SYS_FEATURE_INIT                       130..134
 *   SYSEX_SERVICE_INIT, APP_SERVICE_INIT   140..144 (same layer)
 *   SYSEX_FEATURE_INIT, APP_FEATURE_INIT   150..154 (same layer)
 *   SYS_RUN                                700..704
 *
 * A lower priority value runs first. Equal values run in definition order
 * within a translation unit. Across shared libraries the load order wins.
 * main() then calls SAMGR_Bootstrap() to start the registered services.
 */
#ifndef OHOS_INIT_H
#define OHOS_INIT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*InitCall)(void);

#define USED_ATTR __attribute__((used))

#ifndef LAYER_INIT_SHARED_LIB
#define LAYER_INIT_SHARED_LIB
#endif

#define LAYER_INIT_LEVEL_0 0
#define LAYER_INIT_LEVEL_1 1
#define LAYER_INIT_LEVEL_2 2
#define LAYER_INIT_LEVEL_3 3
#define LAYER_INIT_LEVEL_4 4

#define CTOR_VALUE_device 100
#define CTOR_VALUE_core 110
#define CTOR_VALUE_sys_service 120
#define CTOR_VALUE_sys_feature 130
#define CTOR_VALUE_app_service 140
#define CTOR_VALUE_app_feature 150
#define CTOR_VALUE_run 700

#define LAYER_INITCALL(func, layer, clayer, priority)                                             \
    static __attribute__((constructor(CTOR_VALUE_##layer + LAYER_INIT_LEVEL_##priority))) void \
        BOOT_##layer##priority##func(void)                                                      \
    {                                                                                           \
        func();                                                                                 \
    }

#define LAYER_INITCALL_DEF(func, layer, clayer) LAYER_INITCALL(func, layer, clayer, 2)

/* Core system functions (drivers, kernel adaptation). */
#define CORE_INIT(func) LAYER_INITCALL_DEF(func, core, "core")
#define CORE_INIT_PRI(func, priority) LAYER_INITCALL(func, core, "core", priority)

/* System services. */
#define SYS_SERVICE_INIT(func) LAYER_INITCALL_DEF(func, sys_service, "sys.service")
#define SYS_SERVICE_INIT_PRI(func, priority) LAYER_INITCALL(func, sys_service, "sys.service", priority)

/* System features. */
#define SYS_FEATURE_INIT(func) LAYER_INITCALL_DEF(func, sys_feature, "sys.feature")
#define SYS_FEATURE_INIT_PRI(func, priority) LAYER_INITCALL(func, sys_feature, "sys.feature", priority)

/* System run (started last). */
#define SYS_RUN(func) LAYER_INITCALL_DEF(func, run, "run")
#define SYS_RUN_PRI(func, priority) LAYER_INITCALL(func, run, "run", priority)

/* Extended system services / features share the application layers. */
#define SYSEX_SERVICE_INIT(func) LAYER_INITCALL_DEF(func, app_service, "app.service")
#define SYSEX_SERVICE_INIT_PRI(func, priority) LAYER_INITCALL(func, app_service, "app.service", priority)
#define SYSEX_FEATURE_INIT(func) LAYER_INITCALL_DEF(func, app_feature, "app.feature")
#define SYSEX_FEATURE_INIT_PRI(func, priority) LAYER_INITCALL(func, app_feature, "app.feature", priority)

/* Application services / features. */
#define APP_SERVICE_INIT(func) LAYER_INITCALL_DEF(func, app_service, "app.service")
#define APP_SERVICE_INIT_PRI(func, priority) LAYER_INITCALL(func, app_service, "app.service", priority)
#define APP_FEATURE_INIT(func) LAYER_INITCALL_DEF(func, app_feature, "app.feature")
#define APP_FEATURE_INIT_PRI(func, priority) LAYER_INITCALL(func, app_feature, "app.feature", priority)

#ifdef __cplusplus
}
#endif
#endif /* OHOS_INIT_H */

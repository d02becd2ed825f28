/*
 * lipc_samgr.h - liteipc's own additions to samgr across processes (not
 * OpenHarmony API).  docs/SAMGR_REMOTE.md explains the behaviour.
 *
 * Errors: 0 on success, -errno on failure.
 */
#ifndef LIPC_SAMGR_H
#define LIPC_SAMGR_H

#ifdef __cplusplus
extern "C" {
#endif

#define LIPC_SAMGR_EXPORT __attribute__((visibility("default")))

/*
 * Waits until (service, feature) (feature NULL = default feature) is
 * registered with the samgr server and this process may use it, at most
 * timeout_ms (< 0: forever).  Race-free: the server is asked first, then
 * again after every registration it reports, so a registration between the
 * check and the wait is never missed.  0 when available; -ETIMEDOUT;
 * -EACCES if the policy forbids this process to call it; -EINVAL for bad
 * names.  Works while the samgr server restarts (waits for it too).
 */
LIPC_SAMGR_EXPORT int lipc_samgr_wait_service(const char *service, const char *feature, int timeout_ms);

/* Callback of a watch: available = 1 when the feature became available,
 * 0 when its provider went away.  Runs on a samgr thread of this process;
 * it may call samgr (GetFeatureApi, Invoke). */
typedef void (*lipc_samgr_watch_fn)(const char *service, const char *feature, int available, void *arg);

/*
 * Calls fn(…, 1, arg) whenever (service, feature) becomes available
 * (immediately, from the watch thread, if it already is) and fn(…, 0, arg)
 * whenever its provider dies or the samgr server forgets it.  Returns a
 * watch id >= 0, or -EINVAL / -ENOMEM.  The callbacks of one watch never
 * run concurrently, and always alternate 1, 0, 1, ...
 */
LIPC_SAMGR_EXPORT int lipc_samgr_watch(const char *service, const char *feature, lipc_samgr_watch_fn fn,
                                       void *arg);

/* Stops a watch.  After it returns, fn of that watch does not run any more
 * (unless called from fn itself, where the current call finishes).
 * -ENOENT for an unknown id. */
LIPC_SAMGR_EXPORT int lipc_samgr_unwatch(int id);

#ifdef __cplusplus
}
#endif
#endif

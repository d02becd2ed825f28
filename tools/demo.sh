#!/bin/sh
# make demo: the main job, end to end, with a private broker: samgr across
# processes (broker, samgr server, the foundation host with an example
# service library, a consumer; a policy denial; the provider killed and
# noticed).  "tools/demo.sh BUILD core" (make demo-core) runs the core
# LiteIPC demo instead.
set -e
build=${1:-build}
if [ "${2:-}" = core ]; then
    exec "$build/examples/core/lipc_demo" --broker "$build/broker/liteipcd"
fi
exec "$build/examples/samgr_remote/samgr_remote_demo" \
    --broker "$build/broker/liteipcd" --samgr-server "$build/samgr/samgr_server" \
    --foundation "$build/foundation/foundation" --service-lib "$build/foundation/libsvc_calc.so"

#!/bin/sh
# make demo: the main job, end to end, with a private broker.
set -e
build=${1:-build}
exec "$build/examples/core/lipc_demo" --broker "$build/broker/liteipcd"

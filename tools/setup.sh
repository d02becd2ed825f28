#!/bin/sh
# Installs what the build needs on a fresh Debian 12 machine, only when missing.
#   gcc, make: the compiler (build-essential)
#   cmake:     the build system
#   clang:     libFuzzer targets and the sanitizer builds
set -e
need=""
command -v cc    >/dev/null 2>&1 || need="$need build-essential"
command -v cmake >/dev/null 2>&1 || need="$need cmake"
command -v clang >/dev/null 2>&1 || need="$need clang"
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing$need"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need

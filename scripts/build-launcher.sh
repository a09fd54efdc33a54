#!/usr/bin/env bash
# Builds the service launcher (agent/launcher/*.c) to dist/bin/vigil-launch. Part of `npm run build`.
# POSIX C only: gcc on Linux, clang on macOS (CC overrides the compiler). The binary is replaced by a
# rename, so services running the previous one keep running and nothing ever sees a half-written file.
set -euo pipefail
cd "$(dirname "$0")/.."
CC="${CC:-cc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-launcher: no C compiler ($CC) found; install gcc (Debian/Ubuntu: apt-get install gcc libc6-dev) or the Xcode command line tools" >&2
  exit 1
fi
mkdir -p dist/bin
tmp="dist/bin/.vigil-launch.$$.tmp"
trap 'rm -f "$tmp"' EXIT
"$CC" -std=c99 -O2 -Wall -Wextra -Werror -Wshadow -Wformat=2 -o "$tmp" agent/launcher/*.c
mv -f "$tmp" dist/bin/vigil-launch

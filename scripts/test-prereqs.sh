#!/usr/bin/env bash
# What `npm test` needs beyond Node, checked first (npm test runs this before anything else):
#   - Debian packages: systemd (the user manager the integration tests drive), a C compiler (vigil-launch),
#     promtool, python3 (+ FastAPI, uvicorn, prometheus_client), redis-server, sqlite3, script(1), docker-compose (config only), Chromium;
#   - a running systemd user manager.
# As root in a container (CI, a fresh sandbox: PID 1 is not systemd) it brings up what is missing itself:
# `apt-get install -y` of the missing packages, then scripts/systemd-user-up.sh. Anywhere else it changes
# nothing and stops at once with the exact command to run. VIGIL_TEST_PREREQS=check never installs;
# VIGIL_TEST_PREREQS=install installs as root even outside a container.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
uid=$(id -u)
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$uid}"
export DBUS_SESSION_BUS_ADDRESS="${DBUS_SESSION_BUS_ADDRESS:-unix:path=$XDG_RUNTIME_DIR/bus}"

need_apt=()
add() { for p in "$@"; do [[ " ${need_apt[*]-} " == *" $p "* ]] || need_apt+=("$p"); done; }
{ command -v systemctl && [ -x /lib/systemd/systemd ] && command -v systemd-analyze; } >/dev/null 2>&1 || add systemd
# vigil-launch (agent/launcher/*.c) is compiled by `npm run build`
{ command -v cc >/dev/null 2>&1 && [ -e /usr/include/stdio.h ]; } || add gcc libc6-dev
# promtool (Debian package "prometheus") checks the rules written by `vigil export alerts`
command -v promtool >/dev/null 2>&1 || add prometheus
# python3's plistlib reads back every rendered LaunchAgent plist (an independent parser); the guide's own
# services as real peers: a FastAPI app with prometheus_client metrics, Redis, sqlite3 (locks the database)
[ -x /usr/bin/python3 ] || add python3
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import fastapi, uvicorn, prometheus_client'; } >/dev/null 2>&1 ||
  add python3-fastapi python3-uvicorn python3-prometheus-client
command -v redis-server >/dev/null 2>&1 || add redis-server
# Debian's docker-compose checks `vigil export compose` output with its own `config` (no engine needed)
command -v docker-compose >/dev/null 2>&1 || add docker-compose
command -v sqlite3 >/dev/null 2>&1 || add sqlite3
# script(1) gives `vigil secrets set` a terminal in the no-echo test; mkfifo makes a FIFO the store refuses
command -v script >/dev/null 2>&1 || add bsdutils
command -v mkfifo >/dev/null 2>&1 || add coreutils
# the browser tests (test/e2e) drive Debian's Chromium through playwright-core (VIGIL_CHROMIUM: another one)
[ -x "${VIGIL_CHROMIUM:-/usr/bin/chromium}" ] || add chromium

in_container() {
  [ -f /.dockerenv ] || [ -f /run/.containerenv ] && return 0
  command -v systemd-detect-virt >/dev/null 2>&1 && systemd-detect-virt --container --quiet && return 0
  [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]
}
mode=${VIGIL_TEST_PREREQS:-auto}
may_install=no
if [ "$uid" -eq 0 ] && [ "$mode" != check ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$mode" = install ] || in_container; then may_install=yes; fi
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$may_install" = yes ]; then
    echo "test-prereqs: installing ${need_apt[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    {
      echo "test-prereqs: npm test needs Debian packages that are not installed: ${need_apt[*]}"
      echo "Run, as root:"
      echo "  apt-get install -y --no-install-recommends ${need_apt[*]}"
      [ "$uid" -eq 0 ] && echo "(or VIGIL_TEST_PREREQS=install npm test, which does it for you)"
    } >&2
    exit 1
  fi
fi

state=$(systemctl --user is-system-running 2>/dev/null || true)
case "$state" in
  running | degraded) ;;
  *)
    if [ "$uid" -eq 0 ] && [ "$mode" != check ] && [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; then
      bash scripts/systemd-user-up.sh
    else
      {
        echo "test-prereqs: no systemd user manager answers (systemctl --user is-system-running: ${state:-no answer})."
        if [ "$uid" -eq 0 ]; then
          echo "Run: bash scripts/systemd-user-up.sh"
        else
          echo "Run the tests in a login session of this user (where systemd starts its user manager), or enable one with:"
          echo "  loginctl enable-linger $(id -un) && export XDG_RUNTIME_DIR=/run/user/$uid"
        fi
      } >&2
      exit 1
    fi
    ;;
esac
echo "test-prereqs: ok ($(systemctl --version | head -1), user manager $(systemctl --user is-system-running 2>/dev/null || true), chromium ${VIGIL_CHROMIUM:-/usr/bin/chromium})"

#!/usr/bin/env bash
# Start a real systemd user manager for the current (root) user on a machine whose PID 1 is not systemd
# (CI sandboxes, containers). Idempotent: returns at once when a user manager already answers.
# Recipe: /run/systemd/system marks "booted with systemd"; the user manager needs a runtime dir and a
# delegated cgroup subtree to put its units in.
set -euo pipefail
uid=$(id -u)
export XDG_RUNTIME_DIR=/run/user/$uid
export DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus

mkdir -p /run/systemd/system "$XDG_RUNTIME_DIR"
chmod 0700 "$XDG_RUNTIME_DIR"

# One manager per user, however many test processes call this at once: callers take turns (flock), and
# a manager that exists but is slow to answer (a loaded machine) is waited for, never started twice —
# two managers would fight over the same bus socket and cgroup, and units would land in either.
exec 9>"$XDG_RUNTIME_DIR/.vigil-systemd-up.lock"
flock 9
wait_running() {
  for _ in $(seq 1 "$1"); do
    state=$(systemctl --user is-system-running 2>/dev/null || true)
    case "$state" in
      running) echo "systemd user manager running (XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR)"; return 0 ;;
      degraded) echo "systemd user manager degraded:"; systemctl --user --failed --no-legend || true; return 0 ;;
    esac
    sleep 0.1
  done
  return 1
}
if pgrep -u "$uid" -f '^(/lib/systemd/)?systemd --user' >/dev/null 2>&1; then
  wait_running 600 && exit 0
  echo "a systemd user manager exists but did not answer within 60 s" >&2; exit 1
fi

sub="user.slice/user-$uid.slice/user@$uid.service"
if [ -d /sys/fs/cgroup/unified ] || [ -d /sys/fs/cgroup/systemd ]; then
  roots=()
  [ -d /sys/fs/cgroup/unified ] && roots+=(/sys/fs/cgroup/unified)
  [ -d /sys/fs/cgroup/systemd ] && roots+=(/sys/fs/cgroup/systemd)
else
  roots=(/sys/fs/cgroup)
fi
for r in "${roots[@]}"; do mkdir -p "$r/$sub"; done

log=${VIGIL_SYSTEMD_LOG:-/tmp/systemd-user.log}
# The child shell moves itself into the delegated cgroups, then becomes the user manager.
setsid bash -c '
  for r in "$@"; do echo $$ > "$r/'"$sub"'/cgroup.procs"; done
  exec /lib/systemd/systemd --user
' _ "${roots[@]}" >"$log" 2>&1 < /dev/null 9>&- &

wait_running 300 && exit 0
echo "systemd user manager did not come up; log:" >&2; cat "$log" >&2; exit 1

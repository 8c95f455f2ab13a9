#!/usr/bin/env bash
# Stops what deploy/ha/up.sh DIR started (by the pids it recorded) and removes DIR.
set -uo pipefail
dir=${1:?usage: down.sh DIR}
[ -d "$dir" ] || exit 0
for name in haproxy patroni1 patroni2 patroni3 etcd; do
  [ -f "$dir/$name.pid" ] && kill -TERM -- "-$(cat "$dir/$name.pid")" 2>/dev/null
done
for _ in $(seq 1 50); do
  alive=0
  for name in haproxy patroni1 patroni2 patroni3 etcd; do
    [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null && alive=1
  done
  [ $alive = 0 ] && break
  sleep 0.2
done
# What did not stop (and any postmaster Patroni left behind) is killed.
for name in haproxy patroni1 patroni2 patroni3 etcd; do
  [ -f "$dir/$name.pid" ] && kill -KILL -- "-$(cat "$dir/$name.pid")" 2>/dev/null
done
for i in 1 2 3; do
  pid=$(head -n 1 "$dir/pg$i/postmaster.pid" 2>/dev/null) && [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
done
rm -rf "$dir"
exit 0

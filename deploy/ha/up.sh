#!/usr/bin/env bash
# Brings up, from nothing, a replicated PostgreSQL 15 on loopback: one etcd, three nodes under
# Patroni (synchronous_mode on), HAProxy in front routing to the primary by Patroni's
# `HEAD /primary` check. For tests and trials, not production (trust authentication, no TLS).
#
#   deploy/ha/up.sh DIR BASE_PORT     DIR: a new directory for every file; ports BASE_PORT..+40
#
# Ports: etcd BASE (peer BASE+1); node i (1..3): PostgreSQL BASE+10+i, REST BASE+20+i; HAProxy
# (the primary) BASE+30. Prints `primary=postgres://postgres@127.0.0.1:PORT/postgres` when the
# cluster has a primary that HAProxy reaches and a synchronous standby. deploy/ha/down.sh DIR
# stops it. As root, everything runs as the `postgres` user (PostgreSQL refuses root).
set -euo pipefail
dir=${1:?usage: up.sh DIR BASE_PORT}
base=${2:?usage: up.sh DIR BASE_PORT}
bin_dir=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
sync=${FM_HA_SYNCHRONOUS:-true}
for command in patroni etcd haproxy "$bin_dir/postgres"; do
  command -v "$command" >/dev/null 2>&1 || { echo "up.sh: $command is missing (Debian: patroni, etcd-server, haproxy, postgresql-15)" >&2; exit 2; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
as_user=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  chmod 0755 "$dir"
  as_user=(runuser -u postgres --)
fi
scope="fm-ha-$(basename "$dir")"
# Every process starts in the cluster's own directory: the node user may not enter the caller's
# (a clone under mktemp -d is 0700 root), and Patroni's workers and HAProxy chdir back to it.
cd "$dir"

# start NAME COMMAND...: in the background as the node user, its pid in DIR/NAME.pid, log in DIR/NAME.log
start() {
  local name=$1; shift
  setsid "${as_user[@]}" "$@" >"$dir/$name.log" 2>&1 < /dev/null &
  echo $! >"$dir/$name.pid"
}

"${as_user[@]}" mkdir -p "$dir/etcd"
start etcd etcd --name e1 --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$base" --advertise-client-urls "http://127.0.0.1:$base" \
  --listen-peer-urls "http://127.0.0.1:$((base + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((base + 1))" \
  --initial-cluster "e1=http://127.0.0.1:$((base + 1))" --initial-cluster-state new \
  --heartbeat-interval 100 --election-timeout 1000

servers=""
for i in 1 2 3; do
  pg=$((base + 10 + i)); rest=$((base + 20 + i))
  # A standalone config (Debian's template goes through pg_createcluster): etcd3 for etcd 3.4,
  # primary_start_timeout 0 (else a killed postmaster is restarted in place, no failover),
  # wal_retrieve_retry_interval 500ms (a quicker re-attach of the old primary's followers).
  "${as_user[@]}" tee "$dir/pg$i.yml" >/dev/null <<YAML
scope: $scope
name: pg$i
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$base
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    primary_start_timeout: 0
    synchronous_mode: $sync
    synchronous_mode_strict: $sync
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        wal_retrieve_retry_interval: 500ms
  initdb:
    - encoding: UTF8
    - auth: trust
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $dir/pg$i
  bin_dir: $bin_dir
  pgpass: $dir/pgpass$i
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
  parameters:
    unix_socket_directories: $dir
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
YAML
  start "patroni$i" patroni "$dir/pg$i.yml"
  servers+="  server pg$i 127.0.0.1:$pg check port $rest"$'\n'
done

"${as_user[@]}" tee "$dir/haproxy.cfg" >/dev/null <<CFG
global
  maxconn 2000
defaults
  mode tcp
  timeout connect 1s
  timeout client 30m
  timeout server 30m
  timeout check 1s
listen primary
  bind 127.0.0.1:$((base + 30))
  option httpchk
  http-check send meth HEAD uri /primary
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
$servers
CFG
start haproxy haproxy -f "$dir/haproxy.cfg" -db

# Up means: a primary through HAProxy, and (synchronous mode) a synchronous standby.
deadline=$((SECONDS + ${FM_HA_START_TIMEOUT:-90}))
url="postgres://postgres@127.0.0.1:$((base + 30))/postgres"
until "$bin_dir/psql" "$url" -Atqc "SELECT 1 WHERE NOT pg_is_in_recovery()" 2>/dev/null | grep -q 1 \
  && { [ "$sync" != true ] || "$bin_dir/psql" "$url" -Atqc "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND application_name IN ('pg1', 'pg2', 'pg3')" 2>/dev/null | grep -q '^[1-9]'; } \
  && "$bin_dir/psql" "$url" -Atqc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name IN ('pg1', 'pg2', 'pg3')" 2>/dev/null | grep -q '^2$'; do
  if [ $SECONDS -gt $deadline ]; then
    echo "up.sh: the cluster did not come up; logs in $dir" >&2
    tail -n 5 "$dir"/*.log >&2 || true
    exit 1
  fi
  sleep 0.2
done
echo "primary=$url"

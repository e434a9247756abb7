# shellcheck shell=bash disable=SC2154  # lab_dir, state, cache, pki, reset, reference: set by lib.sh and up
# Real Harbor: harbor-core v2.15.2 (built from ../shared/reference/harbor-v2.15.2-src),
# PostgreSQL and Redis (Debian, run as the unprivileged user berth-lab) and a
# distribution registry behind core, configured as the chart's templates/core/ does.
# Not run: jobservice, portal, trivy, exporter, registryctl (no scans, GC, replication).
harbor_dir=$state/harbor
harbor_user=berth-lab

# as_lab_user: the command prefix that runs a server as the unprivileged lab user
# when we are root (PostgreSQL refuses to run as root); empty otherwise.
as_lab_user=()
[ "$(id -u)" -eq 0 ] && as_lab_user=(setpriv --reuid="$harbor_user" --regid="$harbor_user" --init-groups --)

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
  die "PostgreSQL is missing: run tests/lab/install-deps (apt-get install postgresql)"
}

harbor_postgres_up() {
  local port bin data=$state/data/harbor-postgres
  port=$(port HARBOR_DB_PORT 15432)
  bin=$(pg_bin)
  running harbor-postgres && return 0
  [ "$reset" = 1 ] && rm -rf "$data"
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"; chown "$harbor_user" "$data" 2>/dev/null || true; chmod 700 "$data"
    printf '%s\n' "$HARBOR_DB_PASSWORD" >"$harbor_dir/pgpass"
    chown "$harbor_user" "$harbor_dir/pgpass" 2>/dev/null || true
    "${as_lab_user[@]}" "$bin/initdb" -D "$data" -U postgres --auth=scram-sha-256 \
      --pwfile="$harbor_dir/pgpass" -E UTF8 >>"$state/logs/harbor-postgres.log" 2>&1 ||
      die "initdb failed (log: $state/logs/harbor-postgres.log)"
    rm -f "$harbor_dir/pgpass"
  fi
  log "starting PostgreSQL on 127.0.0.1:$port"
  start harbor-postgres "${as_lab_user[@]}" "$bin/postgres" -D "$data" -p "$port" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200
  wait_for harbor-postgres 60 env PGPASSWORD="$HARBOR_DB_PASSWORD" \
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc 'select 1'
  env PGPASSWORD="$HARBOR_DB_PASSWORD" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "select 1 from pg_database where datname='registry'" | grep -q 1 ||
    env PGPASSWORD="$HARBOR_DB_PASSWORD" psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c 'create database registry'
}

harbor_redis_up() {
  local port data=$state/data/harbor-redis
  port=$(port HARBOR_REDIS_PORT 16379)
  running harbor-redis && return 0
  command -v redis-server >/dev/null || die "redis-server is missing: run tests/lab/install-deps"
  [ "$reset" = 1 ] && rm -rf "$data"
  mkdir -p "$data"; chown "$harbor_user" "$data" 2>/dev/null || true
  log "starting Redis on 127.0.0.1:$port"
  start harbor-redis "${as_lab_user[@]}" redis-server --bind 127.0.0.1 --port "$port" --dir "$data" \
    --requirepass "$HARBOR_REDIS_PASSWORD" --save 60 1 --appendonly no --daemonize no
  wait_for harbor-redis 30 sh -c "REDISCLI_AUTH='$HARBOR_REDIS_PASSWORD' redis-cli -p $port ping | grep -q PONG"
}

# The registry harbor-core stands in front of: plain HTTP on loopback (as in
# the chart with internalTLS off), htpasswd with core's registry credential.
harbor_registry_up() {
  local port data=$state/data/harbor-registry
  port=$(port HARBOR_REGISTRY_PORT 15001)
  running harbor-registry && return 0
  [ "$reset" = 1 ] && rm -rf "$data"
  mkdir -p "$data"
  htpasswd -Bbn harbor_registry_user "$HARBOR_REGISTRY_PASSWORD" >"$harbor_dir/registry.htpasswd"
  cat >"$harbor_dir/registry.yml" <<CONFIG
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $data}
  delete: {enabled: true}
  redirect: {disable: true}
http:
  addr: 127.0.0.1:$port
  relativeurls: true  # no nginx in front to set X-Forwarded-Proto: https
auth:
  htpasswd: {realm: harbor-registry-basic-realm, path: $harbor_dir/registry.htpasswd}
validation: {disabled: true}
CONFIG
  log "starting Harbor's registry on http://127.0.0.1:$port"
  start harbor-registry docker-registry serve "$harbor_dir/registry.yml"
  wait_for harbor-registry 30 sh -c "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/v2/ | grep -q 401"
}

harbor_core_up() {
  local port db_port redis_port reg_port url
  port=$(port HARBOR_PORT 18400)
  db_port=$(port HARBOR_DB_PORT 15432)
  redis_port=$(port HARBOR_REDIS_PORT 16379)
  reg_port=$(port HARBOR_REGISTRY_PORT 15001)
  url=https://127.0.0.1:$port
  if ! running harbor-core; then
    "$lab_dir/build/build" harbor-core
    # Token-signing key: PKCS#1 ("RSA PRIVATE KEY"), the only form libtrust reads.
    [ -s "$harbor_dir/token.key" ] || openssl genrsa -traditional -out "$harbor_dir/token.key" 2048 2>/dev/null
    printf '%s' "${HARBOR_SECRET_KEY:0:16}" >"$harbor_dir/secretkey"  # exactly 16 bytes, no newline
    cat "$pki/ca.crt" >"$harbor_dir/ca-bundle.crt"
    [ -f /etc/ssl/certs/ca-certificates.crt ] && cat /etc/ssl/certs/ca-certificates.crt >>"$harbor_dir/ca-bundle.crt"
    cat >"$harbor_dir/app.conf" <<CONF
appname = Harbor
runmode = prod
enablegzip = true

[prod]
enablehttp = false
enablehttps = true
httpsaddr = 127.0.0.1
httpsport = $port
httpscertfile = $pki/server.crt
httpskeyfile = $pki/server.key
CONF
    log "starting harbor-core $HARBOR_VERSION on $url"
    # Environment as in the chart's templates/core/core-cm.yaml and core-secret.yaml.
    start harbor-core env -i PATH=/usr/bin:/bin HOME="$harbor_dir" \
      SSL_CERT_FILE="$harbor_dir/ca-bundle.crt" \
      CONFIG_PATH="$harbor_dir/app.conf" KEY_PATH="$harbor_dir/secretkey" \
      TOKEN_PRIVATE_KEY_PATH="$harbor_dir/token.key" \
      POSTGRES_MIGRATION_SCRIPTS_PATH="$reference/harbor-v2.15.2-migrations" \
      DATABASE_TYPE=postgresql POSTGRESQL_HOST=127.0.0.1 POSTGRESQL_PORT="$db_port" \
      POSTGRESQL_USERNAME=postgres POSTGRESQL_PASSWORD="$HARBOR_DB_PASSWORD" \
      POSTGRESQL_DATABASE=registry POSTGRESQL_SSLMODE=disable \
      POSTGRESQL_MAX_IDLE_CONNS=10 POSTGRESQL_MAX_OPEN_CONNS=100 \
      EXT_ENDPOINT="$url" CORE_URL="$url" CORE_LOCAL_URL="$url" TOKEN_SERVICE_URL="$url/service/token" \
      JOBSERVICE_URL=http://127.0.0.1:1 PORTAL_URL=http://127.0.0.1:1 \
      REGISTRY_CONTROLLER_URL=http://127.0.0.1:1 WITH_TRIVY=false \
      REGISTRY_URL="http://127.0.0.1:$reg_port" REGISTRY_STORAGE_PROVIDER_NAME=filesystem \
      REGISTRY_CREDENTIAL_USERNAME=harbor_registry_user \
      REGISTRY_CREDENTIAL_PASSWORD="$HARBOR_REGISTRY_PASSWORD" \
      _REDIS_URL_CORE="redis://:$HARBOR_REDIS_PASSWORD@127.0.0.1:$redis_port/0?idle_timeout_seconds=30" \
      _REDIS_URL_REG="redis://:$HARBOR_REDIS_PASSWORD@127.0.0.1:$redis_port/2?idle_timeout_seconds=30" \
      CHART_CACHE_DRIVER=redis LOG_LEVEL=info \
      CORE_SECRET="$HARBOR_CORE_SECRET" JOBSERVICE_SECRET="$HARBOR_JOBSERVICE_SECRET" \
      CSRF_KEY="$HARBOR_CSRF_KEY" HARBOR_ADMIN_PASSWORD="$HARBOR_ADMIN_PASSWORD" \
      "$cache/bin/harbor-core-$HARBOR_VERSION"
  fi
  wait_for harbor-core 180 sh -c \
    "curl -fsS --cacert '$pki/ca.crt' $url/api/v2.0/ping | grep -q Pong"
  export_env HARBOR_URL "$url"
  export_env HARBOR_USERNAME admin
  export_env HARBOR_PASSWORD "$HARBOR_ADMIN_PASSWORD"
  export_env HARBOR_CA_PATH "$pki/ca.crt"
  export_env HARBOR_HOST "127.0.0.1:$port"
  export_env HARBOR_VERSION "$HARBOR_VERSION"
  export_env HARBOR_DB_URL "postgresql://postgres:$HARBOR_DB_PASSWORD@127.0.0.1:$db_port/registry"
}

harbor_up() {
  mkdir -p "$harbor_dir"
  # The CA copy for skopeo --cert-dir (it reads *.crt there as CAs).
  mkdir -p "$harbor_dir/certs.d" && cp "$pki/ca.crt" "$harbor_dir/certs.d/ca.crt"
  secret HARBOR_ADMIN_PASSWORD
  secret HARBOR_DB_PASSWORD
  secret HARBOR_REDIS_PASSWORD
  secret HARBOR_REGISTRY_PASSWORD
  secret HARBOR_CORE_SECRET
  secret HARBOR_JOBSERVICE_SECRET
  secret HARBOR_SECRET_KEY
  secret HARBOR_CSRF_KEY
  HARBOR_CSRF_KEY=$HARBOR_CSRF_KEY$HARBOR_CSRF_KEY  # 32 characters, as the chart's xsrfKey
  HARBOR_CSRF_KEY=${HARBOR_CSRF_KEY:0:32}
  if [ "$(id -u)" -eq 0 ] && ! id "$harbor_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$harbor_user"
  fi
  # A restart from empty data restarts every Harbor process together.
  if [ "$reset" = 1 ] && ! running harbor-core; then harbor_down; fi
  harbor_postgres_up
  harbor_redis_up
  harbor_registry_up
  harbor_core_up
  export_env HARBOR_CERT_DIR "$harbor_dir/certs.d"
}

harbor_down() {
  stop harbor-core
  stop harbor-registry
  stop harbor-redis
  stop harbor-postgres
}

# shellcheck shell=bash disable=SC2154  # state, pki, reset: set by lib.sh and up
# A real OCI registry (Debian's docker-registry, distribution 2.8) with htpasswd auth
# over HTTPS from the lab CA: what pull/push secrets are proven against with skopeo.
registry_up() {
  local port dir=$state/registry
  port=$(port REGISTRY_PORT 15000)
  secret REGISTRY_PASSWORD
  command -v docker-registry >/dev/null || die "docker-registry is missing: run tests/lab/install-deps"
  mkdir -p "$dir/certs.d"
  cp "$pki/ca.crt" "$dir/certs.d/ca.crt"  # skopeo --cert-dir reads *.crt as CAs
  if ! running registry; then
    [ "$reset" = 1 ] && rm -rf "$state/data/registry"
    mkdir -p "$state/data/registry"
    htpasswd -Bbn berth "$REGISTRY_PASSWORD" >"$dir/htpasswd"
    cat >"$dir/config.yml" <<CONFIG
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $state/data/registry}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
  tls: {certificate: $pki/server.crt, key: $pki/server.key}
auth:
  htpasswd: {realm: berth-lab, path: $dir/htpasswd}
CONFIG
    log "starting registry (distribution) on https://127.0.0.1:$port"
    start registry docker-registry serve "$dir/config.yml"
  fi
  # 401 without credentials is the sign of life.
  wait_for registry 30 sh -c "curl -s -o /dev/null -w '%{http_code}' --cacert '$pki/ca.crt' https://127.0.0.1:$port/v2/ | grep -q 401"
  export_env REGISTRY_HOST "127.0.0.1:$port"
  export_env REGISTRY_USERNAME berth
  export_env REGISTRY_PASSWORD "$REGISTRY_PASSWORD"
  export_env REGISTRY_CERT_DIR "$dir/certs.d"
  export_env REGISTRY_VERSION "$(docker-registry --version 2>/dev/null | awk '{print $3}')"
}

registry_down() { stop registry; }

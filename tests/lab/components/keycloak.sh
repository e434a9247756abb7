# shellcheck shell=bash disable=SC2154  # lab_dir, state, cache, pki, reset, python: set by lib.sh and up
# Keycloak from Maven Central (org.keycloak:keycloak-quarkus-dist), HTTPS with the lab CA.
kc_home=$cache/keycloak-$KEYCLOAK_VERSION

keycloak_install() {
  [ -x "$kc_home/bin/kc.sh" ] && return 0
  local tgz=$cache/dl/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz
  if [ ! -s "$tgz" ]; then
    log "downloading Keycloak $KEYCLOAK_VERSION from Maven Central"
    mkdir -p "$cache/dl"
    mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
      -DoutputDirectory="$cache/dl" >&2
  fi
  local tmp; tmp=$(mktemp -d "$cache/keycloak-XXXX")
  tar -xzf "$tgz" -C "$tmp" && mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$kc_home" && rmdir "$tmp"
}

keycloak_up() {
  local https mgmt http java
  https=$(port KEYCLOAK_PORT 18443)
  mgmt=$(port KEYCLOAK_MGMT_PORT 18444)
  http=$(port KEYCLOAK_HTTP_PORT 18080)  # bound even with HTTP disabled; never the default 8080
  secret KEYCLOAK_ADMIN_PASSWORD
  if ! running keycloak; then
    keycloak_install
    java=$(java21) || die "Keycloak $KEYCLOAK_VERSION needs a Java 21+ JDK (none found in /usr/lib/jvm or PATH)"
    [ "$reset" = 1 ] && rm -rf "$state/data/keycloak"
    mkdir -p "$state/data/keycloak"
    log "starting Keycloak $KEYCLOAK_VERSION on https://127.0.0.1:$https"
    start keycloak env JAVA_HOME="$(dirname "$(dirname "$java")")" \
      JAVA_OPTS_KC_HEAP="-Xms128m -Xmx768m" \
      KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" \
      "$kc_home/bin/kc.sh" start-dev \
      --http-enabled=false --http-port="$http" --https-port="$https" --http-host=127.0.0.1 \
      --https-certificate-file="$pki/server.crt" --https-certificate-key-file="$pki/server.key" \
      --health-enabled=true --http-management-port="$mgmt" --truststore-paths="$pki/ca.crt" \
      --db-url="jdbc:h2:file:$state/data/keycloak/keycloakdb;NON_KEYWORDS=VALUE"
  fi
  wait_for keycloak 240 curl -fsS --cacert "$pki/ca.crt" "https://127.0.0.1:$mgmt/health/ready"
  export_env KEYCLOAK_URL "https://127.0.0.1:$https"
  export_env KEYCLOAK_USERNAME admin
  export_env KEYCLOAK_PASSWORD "$KEYCLOAK_ADMIN_PASSWORD"
  export_env KEYCLOAK_CA_PATH "$pki/ca.crt"
  export_env KEYCLOAK_VERSION "$KEYCLOAK_VERSION"
}

keycloak_down() { stop keycloak; }

# shellcheck shell=bash disable=SC2154  # lab_dir, state, cache, pki, reset, python: set by lib.sh and up
# Lab CA and the certificates signed by it (kept across resets; regenerated when missing).
pki=$state/pki

pki_up() {
  mkdir -p "$pki"
  [ -s "$pki/ca.crt" ] && return 0
  log "generating lab CA and certificates"
  (
    cd "$pki" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=berth lab CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    sign server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
    # kube-apiserver admin: O=system:masters is cluster-admin without any RBAC object.
    sign kube-admin "/O=system:masters/CN=berth-lab-admin" "extendedKeyUsage=clientAuth"
    openssl genrsa -out service-account.key 2048 2>/dev/null
    openssl rsa -in service-account.key -pubout -out service-account.pub 2>/dev/null
  )
}

# sign NAME SUBJECT EXTENSIONS: a key and certificate signed by the lab CA.
sign() {
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf '%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" \
    -days 825 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

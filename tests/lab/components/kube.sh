# shellcheck shell=bash disable=SC2154  # lab_dir, state, cache, pki, reset, python: set by lib.sh and up
# One etcd and, for each of the clusters east and west, a kube-apiserver (separate etcd
# prefixes) and a kube-controller-manager, built from their Go modules; Istio's CRDs
# applied to both. East also gets a node (components/node.sh); west stays API-only.
kube_clusters="east west"
kube_service_ip=10.96.0.1  # the kubernetes Service: first address of --service-cluster-ip-range

etcd_up() {
  local client peer
  client=$(port ETCD_PORT 12379)
  peer=$(port ETCD_PEER_PORT 12380)
  if ! running etcd; then
    "$lab_dir/build/build" etcd
    [ "$reset" = 1 ] && rm -rf "$state/data/etcd"
    mkdir -p "$state/data/etcd"
    log "starting etcd $ETCD_VERSION on 127.0.0.1:$client"
    start etcd "$cache/bin/etcd-$ETCD_VERSION" --data-dir "$state/data/etcd" \
      --listen-client-url "http://127.0.0.1:$client" --listen-peer-url "http://127.0.0.1:$peer"
  fi
  wait_for etcd 60 curl -fsS "http://127.0.0.1:$client/health"
}

kube_up() {
  etcd_up
  "$lab_dir/build/build" kube-apiserver
  local cluster default=16443
  for cluster in $kube_clusters; do
    kube_apiserver_up "$cluster" "$(port "KUBE_${cluster^^}_PORT" "$default")"
    default=$((default + 1))
  done
  local kubeconfigs=()
  for cluster in $kube_clusters; do kubeconfigs+=("$state/kube/$cluster.kubeconfig"); done
  log "applying Istio CRDs from $(basename "$reference/istio-1.30.3-crd-all.gen.yaml")"
  "$python" "$lab_dir/apply_crds.py" "$reference/istio-1.30.3-crd-all.gen.yaml" "${kubeconfigs[@]}" >&2
  # Gatekeeper's ConstraintTemplate CRD: templates are validated by a real API server (its
  # controller, which would turn them into Constraint kinds, does not run in the lab).
  log "applying Gatekeeper's ConstraintTemplate CRD"
  "$python" "$lab_dir/apply_crds.py" "$reference/gatekeeper-v3.23.0-constrainttemplate-crd.yaml" "${kubeconfigs[@]}" >&2
  "$lab_dir/build/build" kube-controller-manager
  default=16457
  for cluster in $kube_clusters; do
    kube_controller_manager_up "$cluster" "$(port "KUBE_${cluster^^}_KCM_PORT" "$default")"
    default=$((default + 1))
  done
  export_env K8S_VERSION "$KUBERNETES_VERSION"
  export_env ISTIO_CRDS "$reference/istio-1.30.3-crd-all.gen.yaml"
}

kube_apiserver_up() {
  local cluster=$1 port=$2 name=kube-apiserver-$1 advertise=127.0.0.1
  mkdir -p "$state/kube"
  # East's pods reach it as the kubernetes Service: its endpoint is the node's address, where
  # components/node.sh forwards to this loopback port. The certificate names both.
  [ "$cluster" = east ] && advertise=$node_ip
  [ -s "$pki/kube-apiserver.crt" ] || (cd "$pki" && sign kube-apiserver "/CN=kube-apiserver" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:$node_ip,IP:$kube_service_ip,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth")
  # --allow-privileged as kubeadm sets it: a privileged pod is valid, and refused (in team
  # namespaces) by the policy role's Gatekeeper rule, not by validation.
  if ! running "$name"; then
    log "starting kube-apiserver $KUBERNETES_VERSION ($cluster) on https://127.0.0.1:$port"
    start "$name" "$cache/bin/kube-apiserver-$KUBERNETES_VERSION" \
      --etcd-servers="http://127.0.0.1:$(port ETCD_PORT 12379)" --etcd-prefix="/$cluster" \
      --bind-address=127.0.0.1 --advertise-address="$advertise" --secure-port="$port" \
      --tls-cert-file="$pki/kube-apiserver.crt" --tls-private-key-file="$pki/kube-apiserver.key" \
      --client-ca-file="$pki/ca.crt" --authorization-mode=RBAC \
      --service-account-issuer="https://kubernetes.default.svc" \
      --service-account-key-file="$pki/service-account.pub" \
      --service-account-signing-key-file="$pki/service-account.key" \
      --service-cluster-ip-range=10.96.0.0/16 --cert-dir="$state/kube/$cluster-certs" \
      --kubelet-client-certificate="$pki/kube-admin.crt" --kubelet-client-key="$pki/kube-admin.key" \
      --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP \
      --allow-privileged=true --profiling=false --v=1
  fi
  write_kubeconfig "$cluster" "https://127.0.0.1:$port"
  wait_for "$name" 120 curl -fsS --cacert "$pki/ca.crt" --cert "$pki/kube-admin.crt" \
    --key "$pki/kube-admin.key" "https://127.0.0.1:$port/readyz"
  export_env "K8S_${cluster^^}_URL" "https://127.0.0.1:$port"
  export_env "K8S_${cluster^^}_KUBECONFIG" "$state/kube/$cluster.kubeconfig"
}

# The controllers a cluster without nodes needs to behave like a real one: namespace
# deletion that finishes (namespace + garbage collector, and the PVC/PV protection
# controllers that lift the kubernetes.io/pvc-protection finalizer the API server puts
# on every claim - no pod uses one here), a `default` ServiceAccount and the
# kube-root-ca.crt ConfigMap in every namespace, legacy token Secrets filled, the
# aggregated admin/edit/view ClusterRoles. All of them act as the lab admin.
kube_controllers=namespace-controller,garbage-collector-controller,serviceaccount-controller
kube_controllers+=,serviceaccount-token-controller,root-ca-certificate-publisher-controller
kube_controllers+=,clusterrole-aggregation-controller,persistentvolumeclaim-protection-controller
kube_controllers+=,persistentvolume-protection-controller
# East has a node (components/node.sh): the workload controllers turn Deployments into pods, and
# the node lifecycle controller lifts the not-ready taint kubelet registers the node with.
kube_controllers+=,deployment-controller,replicaset-controller,statefulset-controller,node-lifecycle-controller
kube_controllers+=,endpointslice-controller,endpointslice-mirroring-controller

kube_controller_manager_up() {
  local cluster=$1 port=$2 name=kube-controller-manager-$1
  if ! running "$name"; then
    log "starting kube-controller-manager $KUBERNETES_VERSION ($cluster) on https://127.0.0.1:$port"
    start "$name" "$cache/bin/kube-controller-manager-$KUBERNETES_VERSION" \
      --kubeconfig="$state/kube/$cluster.kubeconfig" --controllers="$kube_controllers" \
      --use-service-account-credentials=false --leader-elect=false \
      --service-account-private-key-file="$pki/service-account.key" --root-ca-file="$pki/ca.crt" \
      --bind-address=127.0.0.1 --secure-port="$port" \
      --tls-cert-file="$pki/server.crt" --tls-private-key-file="$pki/server.key" \
      --profiling=false --v=1
  fi
  wait_for "$name" 120 curl -fsS --cacert "$pki/ca.crt" "https://127.0.0.1:$port/healthz"
}

write_kubeconfig() {
  local cluster=$1 server=$2
  cat >"$state/kube/$cluster.kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: $cluster
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $cluster-admin
  user:
    client-certificate-data: $(base64 -w0 "$pki/kube-admin.crt")
    client-key-data: $(base64 -w0 "$pki/kube-admin.key")
contexts:
- name: $cluster
  context:
    cluster: $cluster
    user: $cluster-admin
current-context: $cluster
KUBECONFIG
  chmod 600 "$state/kube/$cluster.kubeconfig"
}

kube_down() {
  local cluster
  for cluster in $kube_clusters; do stop "kube-controller-manager-$cluster"; done
  for cluster in $kube_clusters; do stop "kube-apiserver-$cluster"; done
  stop etcd
}

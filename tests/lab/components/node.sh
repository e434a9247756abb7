# shellcheck shell=bash disable=SC2154  # lab_dir, state, cache, pki, reset: set by lib.sh and up
# East's one node: containerd 2 (with Debian's runc), kubelet, kube-scheduler, a CNI bridge,
# kube-proxy (iptables) and CoreDNS for cluster.local, so east's pods really run and find Services.
# CoreDNS runs on the host at the node's address (pods cannot reach the API server on loopback,
# which its kubernetes plugin reads); it forwards nothing. Everything the node writes lives under
# $state/node, except what kubelet, containerd and CNI write wherever they like (host paths,
# sysctls, iptables, cgroups): `up` records the machine as it was (node_footprint), `down` puts
# it back.
# Images are never pulled from outside: the lab builds them (tests/lab/oci_image.py) and imports
# them; every registry but the lab's own resolves to a closed port, so no lookup leaves the machine.
node_dir=$state/node
node_name=berth-lab-east
node_bridge=berth-lab0
node_pod_cidr=10.213.0.0/24
node_ip=10.213.0.1            # the bridge's own address: the node's InternalIP, pods' gateway to host
node_cgroup=berth-lab         # kubelet's cgroupRoot: every pod's cgroup under it
node_pause_image=berth.lab/pause:3.10.2
node_probe_image=berth.lab/probe:1  # tests/lab/build/probe: serves, fetches, resolves
node_gatekeeper_image=berth.lab/gatekeeper:$GATEKEEPER_VERSION  # the chart's image, its /manager built here
# What kubelet, containerd and the bridge plugin change on the host whatever they are told.
node_sysctls="vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.ip_forward
  net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max"
node_host_paths="/var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/containerd
  /var/run/netns /etc/cni /opt/cni /var/lib/containerd"

# write_if_changed FILE: standard input into FILE, unless FILE already holds exactly that.
write_if_changed() {
  local tmp; tmp=$(mktemp)
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else chmod 644 "$tmp"; mv "$tmp" "$1"; fi
}

# node_mounts: mount points the node made (pod volumes, netns, overlay rootfs, kubelet's root).
node_mounts() {
  awk -v d="$node_dir" '$2 ~ "^" d || $2 ~ "^/var/lib/kubelet" || $2 ~ "^/run/containerd" {print $2}' /proc/mounts
}

# node_chains TABLE: the iptables chains of TABLE that are not built in.
node_chains() { iptables -t "$1" -S 2>/dev/null | awk '$1 == "-N" {print $2}'; }

# node_footprint: what the node may leave behind, one fact a line (compared before/after by a test).
node_footprint() {
  local s p
  for s in $node_sysctls; do echo "sysctl $s=$(sysctl -n "$s" 2>/dev/null)"; done
  for p in $node_host_paths; do [ -e "$p" ] && echo "path $p"; done
  ip -o link show | awk -F': ' '{print "link " $2}' | sed 's/@.*//' | sort
  for t in filter nat mangle; do node_chains "$t" | sed "s/^/chain $t /"; done
  node_mounts | sed 's/^/mount /'
  for p in /sys/fs/cgroup/*/"$node_cgroup"; do [ -d "$p" ] && echo "cgroup $p"; done
  # Processes: containerd's shims outlive containerd unless their tasks are deleted.
  { pgrep -af -- "$node_dir|containerd-shim-runc-v2|/pause$" || true; } | awk '{print "process " $2}' | sort -u
}

node_up() {
  local kcfg=$state/kube/east.kubeconfig
  [ -s "$kcfg" ] || die "the node joins east: start kube first (tests/lab/up kube node)"
  "$lab_dir/build/build" containerd cni-plugins kubelet kube-scheduler kube-proxy coredns probe gatekeeper
  # A start from empty data: the last run's pods, mounts and state go first.
  if [ "$reset" = 1 ] && ! running kubelet && ! running containerd; then node_down; rm -rf "$node_dir"; fi
  mkdir -p "$node_dir"
  # The footprint is taken once, before anything of the node ran: `down` restores to it.
  if ! running containerd && ! running kubelet; then
    [ -s "$node_dir/footprint.before" ] || node_footprint >"$node_dir/footprint.before"
  fi
  node_network_up
  node_apiserver_forward_up
  node_containerd_up
  node_images_up
  node_dns_up
  node_kubelet_up
  node_scheduler_up
  node_proxy_up
  wait_for kubelet 180 node_webhooks_ready
  export_env NODE_NAME "$node_name"
  export_env NODE_IP "$node_ip"
  export_env NODE_PAUSE_IMAGE "$node_pause_image"
  export_env NODE_PROBE_IMAGE "$node_probe_image"
  export_env NODE_DNS "$node_ip"
  export_env GATEKEEPER_IMAGE "${node_gatekeeper_image%:*}"
  export_env GATEKEEPER_VERSION "$GATEKEEPER_VERSION"
  export_env GATEKEEPER_CHART "$reference/gatekeeper-helm-chart-${GATEKEEPER_VERSION#v}.tgz"
  export_env CONTAINERD_ADDRESS "$node_dir/containerd.sock"
  export_env CTR "$cache/bin/containerd-$CONTAINERD_VERSION/ctr"
  export_env CONTAINERD_VERSION "$CONTAINERD_VERSION"
}

# The pods' bridge, made here (not by the plugin at the first pod) so kubelet's node IP exists.
node_network_up() {
  ip link show "$node_bridge" >/dev/null 2>&1 || ip link add "$node_bridge" type bridge
  ip addr show dev "$node_bridge" | grep -q "inet $node_ip/" ||
    ip addr add "$node_ip/${node_pod_cidr#*/}" dev "$node_bridge"
  ip link set "$node_bridge" up
  mkdir -p "$node_dir/cni/net.d" "$node_dir/cni/ipam"
  # No ipMasq, no portmap: no iptables rules of CNI's. The default route goes to the bridge: pods
  # reach the host at $node_ip and Service IPs through kube-proxy's rules there.
  cat >"$node_dir/cni/net.d/10-berth-lab.conflist" <<CONF
{"cniVersion": "1.0.0", "name": "berth-lab", "plugins": [
  {"type": "bridge", "bridge": "$node_bridge", "isDefaultGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$node_dir/cni/ipam",
            "ranges": [[{"subnet": "$node_pod_cidr", "gateway": "$node_ip"}]]}}]}
CONF
}

# East's API server listens on loopback; pods reach it as the kubernetes Service, whose endpoint
# (the API server's --advertise-address, components/kube.sh) is the node's address: socat
# forwards from there to loopback, TLS untouched.
node_apiserver_forward_up() {
  local port; port=$(port KUBE_EAST_PORT 16443)
  command -v socat >/dev/null || die "socat is missing: run tests/lab/install-deps"
  if ! running kube-apiserver-forward; then
    log "forwarding $node_ip:$port to east's API server (pods' kubernetes Service)"
    start kube-apiserver-forward socat "TCP-LISTEN:$port,bind=$node_ip,reuseaddr,fork" "TCP:127.0.0.1:$port"
  fi
  wait_for kube-apiserver-forward 30 curl -fsS --cacert "$pki/ca.crt" --cert "$pki/kube-admin.crt" \
    --key "$pki/kube-admin.key" "https://$node_ip:$port/readyz"
}

node_containerd_up() {
  local bin=$cache/bin/containerd-$CONTAINERD_VERSION harbor_host
  harbor_host=127.0.0.1:$(port HARBOR_PORT 18400)
  # Registries: the lab's Harbor with the lab CA; every other one (docker.io, the chart's
  # defaults) a closed port, so a pod naming an image the lab did not import fails at once.
  mkdir -p "$node_dir/certs.d/_default" "$node_dir/certs.d/$harbor_host"
  printf 'server = "https://127.0.0.1:9"\n' >"$node_dir/certs.d/_default/hosts.toml"
  cat >"$node_dir/certs.d/$harbor_host/hosts.toml" <<TOML
server = "https://$harbor_host"
[host."https://$harbor_host"]
  capabilities = ["pull", "resolve"]
  ca = "$pki/ca.crt"
TOML
  cat >"$node_dir/containerd.toml" <<TOML
version = 3
root = "$node_dir/containerd/root"
state = "$node_dir/containerd/state"
[grpc]
  address = "$node_dir/containerd.sock"
[ttrpc]
  address = "$node_dir/containerd.sock.ttrpc"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$node_pause_image"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "$node_dir/certs.d"
[plugins.'io.containerd.cri.v1.runtime']
  # No CAP_SYS_RESOURCE here: containerd may not lower a process's oom_score_adj.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
    BinaryName = "$(command -v runc)"
    SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$cache/bin/cni-plugins-$CNI_PLUGINS_VERSION"]
    conf_dir = "$node_dir/cni/net.d"
[plugins.'io.containerd.nri.v1.nri']
  disable = true
TOML
  command -v runc >/dev/null || die "runc is missing: run tests/lab/install-deps"
  if ! running containerd; then
    log "starting containerd $CONTAINERD_VERSION (socket $node_dir/containerd.sock)"
    start containerd env PATH="$bin:/usr/sbin:/usr/bin:/sbin:/bin" "$bin/containerd" --config "$node_dir/containerd.toml"
  fi
  wait_for containerd 60 "$bin/ctr" --address "$node_dir/containerd.sock" version
}

# ctr ARGS...: the node's containerd, in the namespace kubelet's pods live in.
node_ctr() { "$cache/bin/containerd-$CONTAINERD_VERSION/ctr" --address "$node_dir/containerd.sock" -n k8s.io "$@"; }

# The pause image: kubernetes' own build/pause/linux/pause.c (its Makefile's flags), made static.
node_images_up() {
  local out=$cache/images/pause-$KUBERNETES_VERSION.tar
  if [ ! -s "$out" ]; then
    local src; src=$(cd "$cache/src" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
      sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    mkdir -p "$cache/images"
    gcc -Os -Wall -Werror -static -DVERSION="v${node_pause_image##*:}" -o "$cache/images/pause" \
      "$src/build/pause/linux/pause.c"
    "$python" "$lab_dir/oci_image.py" "$out" "$node_pause_image" --entrypoint /pause \
      "$cache/images/pause:/pause" >/dev/null
  fi
  node_ctr images ls -q | grep -qx "$node_pause_image" || node_ctr images import "$out" >/dev/null
  # A new probe binary (newer than the archive) is a new image under the same name: the import
  # replaces it. From empty data the archive is gone with $node_dir, so it is imported again.
  if [ ! "$node_dir/probe.tar" -nt "$cache/bin/probe" ]; then
    "$python" "$lab_dir/oci_image.py" "$node_dir/probe.tar" "$node_probe_image" --entrypoint /probe \
      "$cache/bin/probe:/probe" >/dev/null
    node_ctr images import "$node_dir/probe.tar" >/dev/null
  fi
  # Gatekeeper's image as its Dockerfile makes it: the static /manager alone, user 65532.
  out=$cache/images/gatekeeper-$GATEKEEPER_VERSION.tar
  [ -s "$out" ] || "$python" "$lab_dir/oci_image.py" "$out" "$node_gatekeeper_image" --entrypoint /manager \
    --user 65532:65532 "$cache/bin/gatekeeper-$GATEKEEPER_VERSION:/manager" >/dev/null
  node_ctr images ls -q | grep -qx "$node_gatekeeper_image" || node_ctr images import "$out" >/dev/null
  export_env NODE_PAUSE_BINARY "$cache/images/pause"
}

node_kubelet_up() {
  local port healthz c
  port=$(port KUBELET_PORT 16470)
  healthz=$(port KUBELET_HEALTHZ_PORT 16471)
  # kubelet refuses a cgroupRoot that does not exist yet (cgroup v1: one per controller).
  for c in /sys/fs/cgroup/*/; do
    [ -e "$c/cgroup.procs" ] && [ "$(basename "$c")" != unified ] && mkdir -p "$c$node_cgroup"
  done
  # Its serving certificate, from the lab CA: the API server verifies it for logs and exec.
  [ -s "$pki/kubelet.crt" ] || (cd "$pki" && sign kubelet "/CN=system:node:$node_name" \
    "subjectAltName=IP:$node_ip,DNS:$node_name
extendedKeyUsage=serverAuth")
  printf 'options ndots:5\n' >"$node_dir/resolv.conf"
  cat >"$node_dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: $port
readOnlyPort: 0
tlsCertFile: $pki/kubelet.crt
tlsPrivateKeyFile: $pki/kubelet.key
healthzBindAddress: 127.0.0.1
healthzPort: $healthz
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$node_dir/containerd.sock
# These machines have cgroup v1 and no CAP_SYS_RESOURCE.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$node_cgroup
oomScoreAdj: 0
failSwapOn: false
podLogsDir: $node_dir/pod-logs
resolvConf: $node_dir/resolv.conf
clusterDomain: cluster.local
clusterDNS: [$node_ip]
maxPods: 60
serializeImagePulls: false
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
YAML
  if ! running kubelet; then
    log "starting kubelet $KUBERNETES_VERSION (node $node_name, $node_ip)"
    start kubelet env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$cache/bin/kubelet-$KUBERNETES_VERSION" \
      --config="$node_dir/kubelet.yaml" --kubeconfig="$state/kube/east.kubeconfig" \
      --root-dir="$node_dir/kubelet" --hostname-override="$node_name" --node-ip="$node_ip" --v=1
  fi
  wait_for kubelet 120 curl -fsS "http://127.0.0.1:$healthz/healthz"
  wait_for kubelet 120 node_ready
}

node_ready() {
  "$python" - "$state/kube/east.kubeconfig" "$node_name" <<'PY'
import sys
from kubernetes import client, config
node = client.CoreV1Api(config.new_client_from_config(sys.argv[1])).read_node(sys.argv[2])
sys.exit(0 if any(c.type == "Ready" and c.status == "True" for c in node.status.conditions) else 1)
PY
}

# Every admission webhook east has (Gatekeeper's, once the policy role installed it) is served by
# a pod on this node: until one answers, the API server refuses what such a webhook guards with
# failurePolicy Fail (Gatekeeper's namespace label check: every namespace write). After a restart
# of the node, `up` returns only once each webhook Service has a ready endpoint again.
node_webhooks_ready() {
  "$python" - "$state/kube/east.kubeconfig" <<'PY'
import sys
from kubernetes import client, config
api = config.new_client_from_config(sys.argv[1])
admission = client.AdmissionregistrationV1Api(api)
services = set()
for configs in (admission.list_validating_webhook_configuration, admission.list_mutating_webhook_configuration):
    for item in configs().items:
        for hook in item.webhooks or []:
            if hook.client_config.service:
                services.add((hook.client_config.service.namespace, hook.client_config.service.name))
for namespace, name in sorted(services):
    slices = client.DiscoveryV1Api(api).list_namespaced_endpoint_slice(
        namespace, label_selector="kubernetes.io/service-name=" + name).items
    if not any(e.conditions.ready for s in slices for e in s.endpoints or []):
        print("webhook service %s/%s has no ready endpoint yet" % (namespace, name))
        sys.exit(1)
PY
}

node_scheduler_up() {
  local port; port=$(port KUBE_SCHEDULER_PORT 16472)
  if ! running kube-scheduler; then
    log "starting kube-scheduler $KUBERNETES_VERSION (east) on https://127.0.0.1:$port"
    start kube-scheduler "$cache/bin/kube-scheduler-$KUBERNETES_VERSION" \
      --kubeconfig="$state/kube/east.kubeconfig" --leader-elect=false \
      --bind-address=127.0.0.1 --secure-port="$port" \
      --tls-cert-file="$pki/server.crt" --tls-private-key-file="$pki/server.key" --profiling=false --v=1
  fi
  wait_for kube-scheduler 60 curl -fsS --cacert "$pki/ca.crt" "https://127.0.0.1:$port/healthz"
}

# CoreDNS for cluster.local (and reverse lookups) from east's API server; any other name fails.
node_dns_up() {
  local health ready
  health=$(port COREDNS_HEALTH_PORT 16475)
  ready=$(port COREDNS_READY_PORT 16476)
  cat >"$node_dir/Corefile" <<COREFILE
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
  bind $node_ip
  errors
  health 127.0.0.1:$health
  ready 127.0.0.1:$ready
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $state/kube/east.kubeconfig east
    pods insecure
  }
  cache 30
  loadbalance
}
.:53 {
  bind $node_ip
  errors
}
COREFILE
  if ! running coredns; then
    log "starting CoreDNS $COREDNS_VERSION on $node_ip:53 (cluster.local)"
    start coredns "$cache/bin/coredns-$COREDNS_VERSION" -conf "$node_dir/Corefile"
  fi
  wait_for coredns 60 curl -fsS "http://127.0.0.1:$ready/ready"
}

# kube-proxy in iptables mode: Services' ClusterIPs answer from pods and from the host. Conntrack
# limits and timeouts are left as the machine has them (0 = do not touch).
node_proxy_up() {
  local health metrics
  health=$(port KUBE_PROXY_HEALTHZ_PORT 16473)
  metrics=$(port KUBE_PROXY_METRICS_PORT 16474)
  # Rewritten only when it changes: kube-proxy exits when its configuration file does.
  write_if_changed "$node_dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $state/kube/east.kubeconfig}
hostnameOverride: $node_name
mode: iptables
clusterCIDR: $node_pod_cidr
healthzBindAddress: 127.0.0.1:$health
metricsBindAddress: 127.0.0.1:$metrics
nodePortAddresses: [$node_ip/32]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false}
YAML
  if ! running kube-proxy; then
    log "starting kube-proxy $KUBERNETES_VERSION (iptables)"
    start kube-proxy env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$cache/bin/kube-proxy-$KUBERNETES_VERSION" \
      --config="$node_dir/kube-proxy.yaml" --v=1
  fi
  wait_for kube-proxy 60 curl -fsS "http://127.0.0.1:$health/healthz"
}

# Every pod's containers and sandboxes gone (their shims exit with them), their mounts released.
node_containers_down() {
  local id
  if running containerd; then
    for id in $(node_ctr tasks ls -q 2>/dev/null); do node_ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $(node_ctr tasks ls -q 2>/dev/null); do node_ctr tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(node_ctr containers ls -q 2>/dev/null); do node_ctr containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $node_dir/containerd.sock" 2>/dev/null || true
}

node_down() {
  [ -d "$node_dir" ] || return 0
  stop kube-proxy
  stop kube-scheduler
  stop kubelet
  node_containers_down
  stop containerd
  stop coredns
  stop kube-apiserver-forward
  # Deepest first.
  node_mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  ip -o link show type veth 2>/dev/null | awk -F': ' '/master '"$node_bridge"'/ {print $2}' | sed 's/@.*//' |
    while read -r l; do ip link del "$l" 2>/dev/null || true; done
  ip link del "$node_bridge" 2>/dev/null || true
  node_cgroups_down
  node_restore
}

# Pod cgroups under cgroupRoot, deepest first (rmdir of an empty cgroup is the only way out).
node_cgroups_down() {
  local c
  for c in /sys/fs/cgroup/*/"$node_cgroup"; do
    [ -d "$c" ] || continue
    find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# Back to the footprint `up` recorded: sysctls, host paths the node made, its iptables chains.
node_restore() {
  local before=$node_dir/footprint.before line key value p t chain
  [ -s "$before" ] || return 0
  while read -r line; do
    case $line in
      sysctl\ *) key=${line#sysctl }; value=${key#*=}; key=${key%%=*}
        [ -n "$value" ] && [ "$(sysctl -n "$key" 2>/dev/null)" != "$value" ] && sysctl -qw "$key=$value" ;;
    esac
  done <"$before"
  for p in $node_host_paths; do
    grep -qx "path $p" "$before" || rm -rf "$p"
  done
  for t in filter nat mangle; do
    # Rules jumping to a chain the node made, then the chains themselves.
    node_chains "$t" | while read -r chain; do
      grep -qx "chain $t $chain" "$before" && continue
      { iptables -t "$t" -S 2>/dev/null | grep -E -- "-j $chain( |$)" || true; } | sed 's/^-A/-D/' |
        while read -r rule; do eval "iptables -t $t $rule" 2>/dev/null || true; done
      iptables -t "$t" -F "$chain" 2>/dev/null || true
    done
    node_chains "$t" | while read -r chain; do
      grep -qx "chain $t $chain" "$before" || iptables -t "$t" -X "$chain" 2>/dev/null || true
    done
  done
  rm -f "$before"
}

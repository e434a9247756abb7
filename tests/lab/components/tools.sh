# shellcheck shell=bash disable=SC2154  # lab_dir, state, cache, pki, reset, python: set by lib.sh and up
# Command-line tools the tests drive: Helm, istioctl, opa and gator (built from their Go modules)
# and skopeo (Debian).
tools_up() {
  "$lab_dir/build/build" helm istioctl opa gator
  ln -sf "$cache/bin/helm-$HELM_VERSION" "$state/bin/helm"
  ln -sf "$cache/bin/istioctl-$ISTIO_MODULE_VERSION" "$state/bin/istioctl"
  ln -sf "$cache/bin/opa-$OPA_VERSION" "$state/bin/opa"
  ln -sf "$cache/bin/gator-$GATEKEEPER_VERSION" "$state/bin/gator"
  command -v skopeo >/dev/null || die "skopeo is missing: run tests/lab/install-deps (apt-get install skopeo)"
  export_env HELM "$state/bin/helm"
  export_env HELM_VERSION "$HELM_VERSION"
  export_env ISTIOCTL "$state/bin/istioctl"
  export_env ISTIO_MODULE_VERSION "$ISTIO_MODULE_VERSION"
  export_env OPA_BINARY "$state/bin/opa"
  export_env GATOR "$state/bin/gator"
  export_env SKOPEO "$(command -v skopeo)"
  export_env HARBOR_CHART "$reference/harbor-helm-chart-1.19.1.tgz"
}
tools_down() { :; }

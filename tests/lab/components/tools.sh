# shellcheck shell=bash disable=SC2154  # lab_dir, state, cache, pki, reset, python: set by lib.sh and up
# Command-line tools the tests drive: Helm (built from its Go module) and skopeo (Debian).
tools_up() {
  "$lab_dir/build/build" helm
  ln -sf "$cache/bin/helm-$HELM_VERSION" "$state/bin/helm"
  command -v skopeo >/dev/null || die "skopeo is missing: run tests/lab/install-deps (apt-get install skopeo)"
  export_env HELM "$state/bin/helm"
  export_env HELM_VERSION "$HELM_VERSION"
  export_env SKOPEO "$(command -v skopeo)"
  export_env HARBOR_CHART "$reference/harbor-helm-chart-1.19.1.tgz"
}
tools_down() { :; }

#!/usr/bin/env bash
# Builds the binaries of the local test cluster into the kubehop cache, each
# keyed by its pinned version, and only when the cache lacks it:
#   k8s   kube-apiserver, kube-controller-manager, kube-scheduler and kubectl
#         for every tools module hack/k8s/v1.MINOR (stamped with their real
#         version, so /version and `kubectl version` report it)
#   etcd  the etcd server pinned in hack/etcd
#   kwok  the kwok pinned in hack/kwok
#   tofu  the OpenTofu pinned in hack/tofu (Terraform e2e tests)
#
# usage: hack/build-bins.sh [all|etcd|kwok|tofu|v1.MINOR ...]
# The cache is $KUBEHOP_CACHE, else $XDG_CACHE_HOME/kubehop, else ~/.cache/kubehop.
set -euo pipefail
hack=$(cd "$(dirname "$0")" && pwd)
cache=${KUBEHOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubehop}

# pinned MODULE_DIR MODULE prints the version MODULE_DIR/go.mod requires of MODULE.
pinned() {
  awk -v m="$2" '($1=="require" && $2==m) {print $3} ($1==m) {print $2}' "$1/go.mod" | head -n1
}

# build NAME VERSION MODULE_DIR LDFLAGS PACKAGE... builds into $cache/NAME/VERSION.
build() {
  local name=$1 version=$2 dir=$3 ldflags=$4
  shift 4
  local out=$cache/$name/$version
  if [ -f "$out/.complete" ]; then
    echo "==> $name $version: cached in $out"
    return
  fi
  mkdir -p "$cache/$name"
  local tmp
  tmp=$(mktemp -d "$cache/$name/.build-$version.XXXXXX")
  echo "==> $name $version: building (a first build takes minutes): $*"
  local start=$SECONDS
  if ! (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp/" "$@"); then
    rm -rf "$tmp"
    echo "==> $name $version: build failed" >&2
    return 1
  fi
  chmod 755 "$tmp"
  touch "$tmp/.complete"
  rm -rf "$out"
  mv "$tmp" "$out"
  echo "==> $name $version: built in $((SECONDS - start))s into $out"
}

build_k8s() {
  local dir=$hack/k8s/$1
  [ -f "$dir/go.mod" ] || { echo "no tools module $dir (generate it with hack/k8s/gen-module.sh)" >&2; return 1; }
  local version major minor ldflags="-s -w" pkg
  version=$(pinned "$dir" k8s.io/kubernetes)
  major=${version#v}; major=${major%%.*}
  minor=$(echo "$version" | cut -d. -f2)
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  build k8s "$version" "$dir" "$ldflags" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  build etcd "$(pinned "$hack/etcd" go.etcd.io/etcd/server/v3)" "$hack/etcd" "-s -w" go.etcd.io/etcd/server/v3
  # go build names a module-root main package after its last path element.
  local out=$cache/etcd/$(pinned "$hack/etcd" go.etcd.io/etcd/server/v3)
  [ -f "$out/etcd" ] || mv "$out/server" "$out/etcd"
}

build_kwok() {
  build kwok "$(pinned "$hack/kwok" sigs.k8s.io/kwok)" "$hack/kwok" "-s -w" sigs.k8s.io/kwok/cmd/kwok
}

build_tofu() {
  build tofu "$(pinned "$hack/tofu" github.com/opentofu/opentofu)" "$hack/tofu" \
    "-s -w -X github.com/opentofu/opentofu/version.dev=no" github.com/opentofu/opentofu/cmd/tofu
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(all)
for t in "${targets[@]}"; do
  case $t in
    all)
      build_etcd
      build_kwok
      build_tofu
      for d in "$hack"/k8s/v1.*/; do build_k8s "$(basename "$d")"; done
      ;;
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    tofu) build_tofu ;;
    v1.*) build_k8s "$t" ;;
    *) echo "unknown target $t (want all, etcd, kwok, tofu or v1.MINOR)" >&2; exit 2 ;;
  esac
done

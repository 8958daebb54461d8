#!/usr/bin/env bash
# Packs the three XMonitor.Bpf libraries of this repository into a folder feed, the one this app's
# NuGet.config reads, and records their version for XMonitor.AspNetApp.csproj.
#
#   ./pack-local-feed.sh [--output DIR] [--version VERSION] [--configuration CONFIG] [--no-build]
#
# The default version, 0.1.0-local.<UTC time>, is new on every run: NuGet caches a package by id and
# version in ~/.nuget/packages for good, so a repacked package under an old version would never be
# seen by a restore.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
output="$here/local-feed"
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S)"
configuration=Release
build_args=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --output) output="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --configuration) configuration="$2"; shift 2 ;;
    --no-build) build_args+=(--no-build); shift ;;
    *) echo "usage: $0 [--output DIR] [--version VERSION] [--configuration CONFIG] [--no-build]" >&2; exit 2 ;;
  esac
done

mkdir -p "$output"
for project in XMonitor.Bpf.Core XMonitor.Bpf.Probes XMonitor.Bpf.Prometheus; do
  dotnet pack "$repo/src/$project/$project.csproj" -c "$configuration" -o "$output" \
    -p:PackageVersion="$version" -nologo -v:q -m:1 "${build_args[@]}"
done

cat > "$output/XMonitor.Bpf.version.props" <<PROPS
<Project>
  <PropertyGroup>
    <XMonitorBpfVersion>$version</XMonitorBpfVersion>
  </PropertyGroup>
</Project>
PROPS
echo "packed XMonitor.Bpf.Core, .Probes and .Prometheus $version into $output"

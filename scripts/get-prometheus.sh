#!/usr/bin/env bash
# Installs the Prometheus 3 and promtool the rule tests and the end-to-end Prometheus test run, and the amtool the
# Alertmanager routing tests run: the majors kube-prometheus-stack deploys (Prometheus 3 treats range windows as open at the start, 2.x as closed). Debian
# stable ships 2.x, so the packages come from Debian sid through a private apt list (the machine's own sources and
# state are left alone), and are unpacked, not installed, into .tools/prometheus-<version>/.
#   usage: scripts/get-prometheus.sh   prints the directory holding bin/prometheus, bin/promtool and bin/amtool.
# The pin is the major, set here: Debian sid keeps only its newest build of each package and nothing else is
# reachable, so an exact-build pin would fail CI the day sid moves on. Integrity is apt's: it checks every .deb
# against sid's signed index. The version installed is printed and kept in .tools/prometheus-<version>/VERSION.
set -euo pipefail
cd "$(dirname "$0")/.."

prometheus_major="3"
alertmanager_minor="0."

installed="$(ls -d .tools/prometheus-"$prometheus_major".* 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -n "$installed" ] && [ -x "$installed/bin/prometheus" ] && [ -x "$installed/bin/promtool" ] && [ -x "$installed/bin/amtool" ]; then
    echo "$PWD/$installed"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb http://deb.debian.org/debian sid main" >"$work/sources.list"
apt_options=(
    -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::State::status=/dev/null"
)
apt-get "${apt_options[@]}" update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
candidate() { apt-cache "${apt_options[@]}" policy "$1" | sed -n 's/ *Candidate: //p'; }
version="$(candidate promtool)"
alertmanager_version="$(candidate prometheus-alertmanager)"
[[ "$version" == "$prometheus_major".* ]] || { echo "get-prometheus: sid offers promtool $version, not $prometheus_major.x" >&2; exit 1; }
[[ "$alertmanager_version" == "$alertmanager_minor"* ]] || { echo "get-prometheus: sid offers alertmanager $alertmanager_version, not $alertmanager_minor""x" >&2; exit 1; }
echo "get-prometheus: fetching prometheus and promtool $version, prometheus-alertmanager $alertmanager_version from Debian sid" >&2
(cd "$work" && apt-get "${apt_options[@]}" download "prometheus=$version" "promtool=$version" "prometheus-alertmanager=$alertmanager_version" >>"$work/apt.log" 2>&1) || {
    cat "$work/apt.log" >&2
    exit 1
}
dest="$PWD/.tools/prometheus-${version%%+*}"

rm -rf "$dest.partial"
mkdir -p "$dest.partial/bin"
for package in prometheus promtool prometheus-alertmanager; do
    dpkg-deb -x "$(ls "$work/${package}_"*.deb)" "$work/root"
done
install -m 0755 "$work/root/usr/bin/prometheus" "$work/root/usr/bin/promtool" "$work/root/usr/bin/amtool" "$dest.partial/bin/"
echo "$version $alertmanager_version" >"$dest.partial/VERSION"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "get-prometheus: installed $("$dest/bin/promtool" --version 2>&1 | head -1)" >&2
echo "$dest"

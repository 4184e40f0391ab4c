#!/usr/bin/env bash
# Makes a private arm64 root with a Java 17 runtime from Debian's arm64 packages: the .debs are
# downloaded with a private apt state (this machine's sources, nothing installed, no system
# setting changed) and unpacked with dpkg-deb. Prints the sysroot's path.
#
#   tools/pi/arm64-sysroot.sh
#
# Cache: ${REPARO_CACHE:-~/.cache/reparo}/pi-sysroot/<release>-<package list hash>/root
set -euo pipefail
. "$(dirname "$0")/../../native/common.sh"
note() { echo "reparo pi: $*" >&2; }
die() { echo "reparo pi: $*" >&2; exit 1; }

# The runtime and what the JVM, AWT's headless imaging and font code and Reparo's natives load
# (libstdc++/libgcc). Left out on purpose: printing, sound, smart cards, NSS, ca-certificates.
PACKAGES=(
  openjdk-17-jre-headless
  libc6 libgcc-s1 libstdc++6 zlib1g
  libfreetype6 libpng16-16 libbrotli1 libharfbuzz0b libglib2.0-0 libgraphite2-3 libpcre2-8-0
  libffi8 libmount1 libblkid1 libselinux1 libfontconfig1 libexpat1 fontconfig-config
  fonts-dejavu-core liblcms2-2 libjpeg62-turbo
)

require_tools apt-get:apt dpkg-deb:dpkg
release=$(. /etc/os-release && echo "${ID:-linux}-${VERSION_CODENAME:-${VERSION_ID:-unknown}}")
key=$(printf '%s\n' "$release" "${PACKAGES[@]}" | sha256sum | cut -c1-12)
dir="$REPARO_CACHE/pi-sysroot/$release-$key"
root="$dir/root"
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9

if [ -f "$root/.complete" ]; then
  note "arm64 sysroot from cache: $root"
  echo "$root"
  exit 0
fi

started=$(date +%s)
apt_dir="$dir/apt"
rm -rf "$apt_dir" "$root"
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$dir/debs"
touch "$apt_dir/state/status"
apt_opts=(-q -o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/state/status"
          -o "Dir::Cache=$apt_dir/cache" -o APT::Architecture=arm64 -o APT::Architectures::=arm64
          -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
note "reading this machine's package sources for arm64"
apt-get "${apt_opts[@]}" update >"$dir/apt.log" 2>&1 \
  || { tail -n 20 "$dir/apt.log" >&2; die "apt-get update (arm64, private state) failed; log: $dir/apt.log"; }
note "downloading ${#PACKAGES[@]} arm64 packages"
if ! (cd "$dir/debs" && apt-get "${apt_opts[@]}" download "${PACKAGES[@]}") >>"$dir/apt.log" 2>&1; then
  tail -n 20 "$dir/apt.log" >&2
  die "downloading arm64 packages failed (log: $dir/apt.log). The sources in /etc/apt must carry arm64
(Debian's mirrors do; Ubuntu keeps arm64 on its ports mirror)."
fi
mkdir -p "$root.tmp"
for deb in "$dir"/debs/*.deb; do
  dpkg-deb -x "$deb" "$root.tmp"
done
ls "$dir/debs" >"$root.tmp/.packages"
java="$root.tmp/usr/lib/jvm/java-17-openjdk-arm64/bin/java"
[ -x "$java" ] || die "no $java after unpacking the packages"
rm -rf "$dir/debs" "$apt_dir"
mv "$root.tmp" "$root"
touch "$root/.complete"
note "arm64 sysroot ready in $(( $(date +%s) - started ))s: $root"
echo "$root"

#!/usr/bin/env bash
# Installs what building and testing Reparo needs on Debian/Ubuntu, if it is missing:
# a JDK (17 or newer), Maven, CMake, Ninja, gcc/g++, python3 with venv and pip.
# As root it runs apt-get; otherwise it prints the one command to run and exits 1.
# --pi adds what the Raspberry Pi cross build and the emulated tests need: the aarch64 cross
# compiler and qemu's user-mode emulators (aarch64 for the Pi jar, x86-64 for tools/isa).
set -euo pipefail
pi=0
[ "${1:-}" != --pi ] || pi=1

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

java_ok() {
  have javac || return 1
  local v
  v=$(javac -version 2>&1 | sed -n 's/^javac \([0-9]*\).*/\1/p')
  [ -n "$v" ] && [ "$v" -ge 17 ]
}

java_ok || missing+=(jdk)
have mvn || missing+=(maven)
have cmake || missing+=(cmake)
have ninja || missing+=(ninja-build)
have gcc || missing+=(gcc)
have g++ || missing+=(g++)
have python3 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "$pi" = 1 ]; then
  have aarch64-linux-gnu-g++ || missing+=(g++-aarch64-linux-gnu)
  if ! { have qemu-aarch64-static || have qemu-aarch64; } || ! { have qemu-x86_64-static || have qemu-x86_64; }; then
    missing+=(qemu-user-static)
  fi
  have readelf || missing+=(binutils)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

# The JDK package name depends on the release: 17 where it exists, else the oldest newer one.
packages=()
for m in "${missing[@]}"; do
  if [ "$m" = jdk ]; then
    jdk=openjdk-17-jdk-headless
    if have apt-cache; then
      for candidate in openjdk-17-jdk-headless openjdk-21-jdk-headless openjdk-25-jdk-headless default-jdk-headless; do
        if apt-cache show "$candidate" >/dev/null 2>&1; then jdk=$candidate; break; fi
      done
    fi
    packages+=("$jdk")
  else
    packages+=("$m")
  fi
done
[[ " ${packages[*]} " == *" python3-venv "* ]] && packages+=(python3-pip)

if [ "$(id -u)" -ne 0 ]; then
  echo "reparo: missing ${missing[*]}. Install with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
if ! have apt-get; then
  echo "reparo: missing ${missing[*]}, and this is not a Debian/Ubuntu machine (no apt-get); install them and retry" >&2
  exit 1
fi
echo "reparo: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates "${packages[@]}" >/dev/null

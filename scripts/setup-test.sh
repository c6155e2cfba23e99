#!/usr/bin/env bash
# Installs what botduino's tests need on a fresh Debian machine:
# the AVR toolchain and Arduino core (firmware builds), clang (fuzzing),
# g++ (the C++ conformance harness), systemd (systemd-analyze rates the
# service unit's hardening offline), Mosquitto (the MQTT broker the relay
# tests start on a loopback port), avrdude and python3 (flashing the simulated
# board through a pseudo-terminal), clang-format (the firmware's C++ style),
# then the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

need=(gcc-avr avr-libc arduino-core-avr avrdude python3 clang clang-format g++ make systemd mosquitto)
# libFuzzer's runtime is only a "Recommends" of clang: name it, for the clang Debian ships
clang_major() { { apt-cache depends clang 2>/dev/null || true; } | sed -n 's/.*Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1 || true; }
llvm=$(clang_major)
if [ -z "$llvm" ] && [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; llvm=$(clang_major); fi
[ -n "$llvm" ] && need+=("libclang-rt-$llvm-dev")
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "botduino: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "botduino: installing ${missing[*]} from Debian" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund

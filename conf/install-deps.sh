#!/usr/bin/env bash
# install-deps.sh - installs what zertsensor needs from Debian (12 or later): build and runtime
# libraries, and with --test the independent tools the test suite compares against.
set -eu
pkgs="build-essential cmake pkg-config libpcap-dev zlib1g-dev liblzma-dev libzstd-dev libssl-dev libevent-dev libndpi-dev libjansson-dev"
if [ "${1:-}" = "--test" ]; then
    # tshark/tcpflow/tcpdump are the independent oracles; clang builds the fuzz targets; tzdata
    # has the zones the SMF time zone tests use (Europe/Berlin); chromium renders the HTML
    # report headless (tests/tools/report_check.py); iproute2 and OpenSSH run the live
    # end-to-end test (tests/tools/live_e2e.py).
    pkgs="$pkgs clang libclang-rt-14-dev tshark tcpdump tcpflow tcpreplay libndpi-bin python3 openssl time tzdata xz-utils zstd chromium iproute2 openssh-client openssh-server"
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-deps: everything is installed"
    exit 0
fi
run=""
[ "$(id -u)" -ne 0 ] && run="sudo"
echo "install-deps: installing$missing"
$run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086 # a list of package names
$run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing

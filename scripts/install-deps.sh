#!/usr/bin/env bash
# Installs every Debian 12 package istmo needs to build, test and benchmark.
# Safe to re-run: apt-get skips what is already installed.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  g++ clang
  libssl-dev openssl
  libxml2-dev libxml2-utils
  libxmlsec1-dev libxmlsec1-openssl xmlsec1
  libboost-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  python3 python3-lxml python3-xmlsec
  curl
  faketime  # libfaketime: the shared TSA's skew and expired-certificate fault modes
  python3-pytest python3-jsonschema
  unzip
  strace libclang-rt-14-dev
  # Debian packages (cpack -G DEB, test packages.debian_install), manual pages, pip installs
  dpkg-dev file lintian man-db python3-venv python3-setuptools python3-wheel
  libqrencode-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core  # the printed invoice (CAFE)
  poppler-utils zbar-tools chromium  # CAFE and HTML report tests: pdftotext/pdftoppm, zbarimg, headless render
  libp11-kit-dev     # pkcs11.h for the PKCS#11 module interface (modules loaded with dlopen)
  softhsm2 opensc    # PKCS#11 tests: a software token (SoftHSM2) and pkcs11-tool
  # The service (src/service): the verdict store on SQLite or PostgreSQL, workers on RabbitMQ;
  # the tests start their own PostgreSQL server and RabbitMQ broker on loopback.
  libsqlite3-dev libpq-dev postgresql librabbitmq-dev rabbitmq-server
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# postgresql and rabbitmq-server must not start their system services (a broker or a cluster left
# running on the default ports): the tests start their own on loopback. invoke-rc.d (and
# deb-systemd-invoke) ask /usr/sbin/policy-rc.d; exit 101 = "do not start".
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"

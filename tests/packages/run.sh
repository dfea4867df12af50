#!/usr/bin/env bash
# Builds the Debian packages of a build tree (cpack -G DEB), checks them with lintian (no error),
# installs them with dpkg -i, uses them as a user would -- the istmo program and its manual
# page, a C program built through pkg-config, a Python import -- with no LD_LIBRARY_PATH, and
# removes them again (dpkg --purge, also when a step fails), leaving the machine as it was.
# usage: run.sh BUILD_DIR SOURCE_DIR C_COMPILER
# Exit 77 (ctest: Not Run) when it cannot run here: not root, no dpkg tools, or istmo packages
# already installed (the test never touches an installation it did not make).
set -euo pipefail
build=$1
source=$2
cc=$3
packages=(python3-istmo istmo libistmo-dev libistmo0)

[ "$(id -u)" -eq 0 ] || { echo "not root: dpkg -i cannot run; did not run"; exit 77; }
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack pkg-config python3; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed; did not run"; exit 77; }
done
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || { echo "python3-venv is not installed; did not run"; exit 77; }
for p in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "installed"; then
    echo "$p is already installed on this machine: not touching it; did not run"; exit 77
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/istmo-deb.XXXXXX")
installed=0
cleanup() {
  if [ "$installed" -eq 1 ]; then
    dpkg --purge "${packages[@]}" > "$work/purge.log" 2>&1 || { echo "dpkg --purge failed:" >&2; cat "$work/purge.log" >&2; }
  fi
  rm -rf "$work"
}
trap cleanup EXIT

version=$(sed -n 's/^CPACK_PACKAGE_VERSION:*[A-Z]*=//p; s/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' \
  "$build/CPackConfig.cmake" | head -1)
[ -n "$version" ] || { echo "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake" >&2; exit 1; }

echo "== cpack -G DEB ($version)"
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" > "$work/cpack.log" 2>&1) \
  || { cat "$work/cpack.log" >&2; exit 1; }
debs=()
for p in libistmo0 libistmo-dev istmo python3-istmo; do
  deb=$(find "$work/out" -maxdepth 1 -name "${p}_*.deb" -print -quit)
  [ -n "$deb" ] || { echo "no package $p in $work/out" >&2; ls "$work/out" >&2; exit 1; }
  [ "$(dpkg-deb -f "$deb" Package)" = "$p" ] || { echo "$deb: Package is not $p" >&2; exit 1; }
  [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || { echo "$deb: Version is not $version" >&2; exit 1; }
  echo "$p: Depends: $(dpkg-deb -f "$deb" Depends)"
  debs+=("$deb")
done
# dpkg-shlibdeps found the real run-time dependencies of the shared libraries.
runtime_depends=$(dpkg-deb -f "${debs[0]}" Depends)
for needed in libc6 libssl3 libxml2 libstdc++6; do
  grep -q "$needed" <<<"$runtime_depends" || { echo "libistmo0 does not depend on $needed: $runtime_depends" >&2; exit 1; }
done
grep -q "libistmo0 (= $version)" <<<"$(dpkg-deb -f "${debs[2]}" Depends)" || { echo "istmo does not depend on libistmo0 (= $version)" >&2; exit 1; }

if command -v lintian >/dev/null; then
  echo "== lintian"
  lintian --no-tag-display-limit "${debs[@]}" > "$work/lintian.log" 2>&1 || true
  cat "$work/lintian.log"
  if grep -q '^E: ' "$work/lintian.log"; then echo "lintian reports errors" >&2; exit 1; fi
  echo "lintian: no error ($(grep -c '^W: ' "$work/lintian.log" || true) warning(s))"
else
  echo "lintian is not installed: the packages were not linted (scripts/install-deps.sh installs it)"
fi

echo "== dpkg -i"
installed=1
dpkg -i "${debs[@]}" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; exit 1; }

# As a user runs them: nothing of the build tree on any search path.
clean_env=(env -u LD_LIBRARY_PATH -u PYTHONPATH -u ISTMO_LIBRARY -u ISTMO_C_LIBRARY -u PKG_CONFIG_PATH)
pki=$source/test-vectors/pki
cd "$work"

echo "== the istmo program"
[ "$(command -v istmo)" = /usr/bin/istmo ] || { echo "istmo is not /usr/bin/istmo" >&2; exit 1; }
"${clean_env[@]}" istmo --version | tee "$work/version.txt"
grep -qx "istmo $version" "$work/version.txt"
"${clean_env[@]}" istmo verify --trust "$pki/chain.pem" "$source/test-vectors/panama-fe/valid/01-factura.xml" > "$work/verify.txt" \
  || { cat "$work/verify.txt" >&2; exit 1; }
grep -q TOTAL_PASSED "$work/verify.txt"
[ -f /usr/share/man/man1/istmo.1.gz ] && [ -f /usr/share/man/man1/istmo-verify.1.gz ] && [ -f /usr/share/man/es/man1/istmo-verify.1.gz ]
[ -f /usr/share/bash-completion/completions/istmo ]
if command -v man >/dev/null; then
  [ "$(man -w istmo)" = /usr/share/man/man1/istmo.1.gz ] || { echo "man -w istmo: $(man -w istmo)" >&2; exit 1; }
  MANWIDTH=80 man istmo-verify | grep -q -- '--trust'
fi

echo "== a C program through pkg-config"
[ "$(pkg-config --modversion istmo-c)" = "$version" ]
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror "$source/examples/c/sign_and_verify.c" $(pkg-config --cflags --libs istmo-c) \
  -o "$work/sign_and_verify"
"${clean_env[@]}" "$work/sign_and_verify" "$pki/rsa2048.key.pem" "$pki/rsa2048.cert.pem" "$pki/ca.cert.pem" \
  "$pki/intermediate.cert.pem" > "$work/c.txt" || { cat "$work/c.txt" >&2; exit 1; }
grep -q '^indication: TOTAL_PASSED$' "$work/c.txt"

echo "== Python"
"${clean_env[@]}" /usr/bin/python3 - "$version" "$pki" <<'PY'
import sys
import istmo
import istmo.invoice
version, pki = sys.argv[1], sys.argv[2]
assert istmo.__file__.startswith("/usr/lib/python3/dist-packages/"), istmo.__file__
assert istmo.version() == version, istmo.version()
print("istmo", istmo.version(), "from", istmo.__file__, "library", istmo._native.library_path)
signed = istmo.sign(b"<a>1</a>", istmo.Key.load(f"{pki}/rsa2048.key.pem"), istmo.Cert.load(f"{pki}/rsa2048.cert.pem"))
report = istmo.verify(signed, trust_files=[f"{pki}/ca.cert.pem"], untrusted=[f"{pki}/intermediate.cert.pem"])
assert report.passed, report.findings
PY

echo "== the binding's tests against the installed python3-istmo"
if /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
  # Run from $work: neither the current directory nor bindings/python is on sys.path.
  (cd "$work" && "${clean_env[@]}" ISTMO_TEST_INSTALLED=1 ISTMO_CLI=/usr/bin/istmo PYTHONDONTWRITEBYTECODE=1 \
    /usr/bin/python3 -m pytest -q -rs -p no:cacheprovider "$source/bindings/python/tests" > "$work/pytest.log" 2>&1) \
    || { cat "$work/pytest.log" >&2; exit 1; }
  tail -3 "$work/pytest.log"
else
  echo "python3-pytest is not installed: the binding's tests did not run against the package"
fi

echo "== pip install bindings/python into a virtual environment, next to the installed libistmo0"
/usr/bin/python3 -m venv --system-site-packages "$work/venv" > "$work/venv.log" 2>&1 || { cat "$work/venv.log" >&2; exit 1; }
# Offline: the build backend is Debian's setuptools + wheel (python3-setuptools, python3-wheel),
# seen through --system-site-packages; the pip-installed istmo still comes first on sys.path.
cp -r "$source/bindings/python" "$work/python-src"
rm -rf "$work/python-src/tests"
"${clean_env[@]}" "$work/venv/bin/pip" install --no-index --no-build-isolation "$work/python-src" > "$work/pip.log" 2>&1 \
  || { cat "$work/pip.log" >&2; exit 1; }
(cd / && "${clean_env[@]}" "$work/venv/bin/python" - "$work/venv" "$version" "$pki") <<'PY'
import sys
import istmo
venv, version, pki = sys.argv[1], sys.argv[2], sys.argv[3]
assert istmo.__file__.startswith(venv), istmo.__file__   # the pip-installed copy
assert istmo.version() == version
report = istmo.verify(istmo.sign(b"<a/>", istmo.Key.load(f"{pki}/rsa2048.key.pem"),
                                 istmo.Cert.load(f"{pki}/rsa2048.cert.pem")),
                      trust_files=[f"{pki}/chain.pem"])
assert report.passed, report.findings
print("pip-installed istmo", istmo.version(), "uses", istmo._native.library_path)
PY

echo "== dpkg --purge"
dpkg --purge "${packages[@]}" > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; exit 1; }
installed=0
for f in /usr/bin/istmo /usr/share/man/man1/istmo.1.gz /usr/include/istmo/istmo.h /usr/lib/python3/dist-packages/istmo; do
  [ ! -e "$f" ] || { echo "$f is still there after dpkg --purge" >&2; exit 1; }
done
[ -z "$(find /usr/lib /usr/local/lib -name 'libistmo*.so*' 2>/dev/null)" ] || { echo "a libistmo is still installed" >&2; exit 1; }
echo "packages built, linted, installed, used (CLI, man, C via pkg-config, Python) and removed"

#!/usr/bin/env bash
# Sets up and builds s2fuzz on Debian bookworm.
#
# Installs what is missing (as root, via apt; otherwise it prints the exact
# apt-get line and stops), extracts the files under test from Debian's
# linux-source-6.1 and linux-source-6.12 packages, and builds the replay
# binary for linux-6.1 vs linux-6.12.  Safe to run again: it only does what
# is not done yet.
#
#   ./build.sh               install what is missing, then build
#   ./build.sh --tests       the same, plus what only the tests use
#   ./build.sh --deps-only   install what is missing, build nothing
set -euo pipefail
cd "$(dirname "$0")"

# llvm: llvm-symbolizer, so that sanitizer reports name the functions that
# crash signatures are made of.
PACKAGES=(clang libclang-rt-14-dev llvm afl++ binutils python3 patch tar xz-utils
          linux-source-6.1 linux-source-6.12)
# chromium: the gate's HTML report is rendered and screenshotted in a test.
TEST_PACKAGES=(chromium)
BUILD=1
for arg in "$@"; do
	case "$arg" in
	--tests) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
	--deps-only) BUILD=0 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 0 ;;
	*) echo "build.sh: unknown option '$arg' (see ./build.sh --help)" >&2; exit 2 ;;
	esac
done
# linux-source-6.12 and current 6.1 updates come from bookworm-security.
SECURITY_SOURCE="deb http://deb.debian.org/debian-security bookworm-security main"
SECURITY_LIST=/etc/apt/sources.list.d/s2fuzz-bookworm-security.list

missing_packages() {
	local p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

# grep reads to the end: with -q it would stop at the first match, and
# apt-cache's SIGPIPE would fail the pipeline under pipefail.
has_candidate() {
	apt-cache policy "$1" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null
}

# Any source of bookworm-security already there: a second one with other
# options makes apt refuse every source list.
has_security_source() {
	grep -rqs 'bookworm-security' /etc/apt/sources.list /etc/apt/sources.list.d/
}

install_missing() {
	local missing=("$@")
	if [ "$(id -u)" != 0 ]; then
		echo "build.sh: missing Debian packages; run as root, or:" >&2
		echo "  apt-get install ${missing[*]}" >&2
		exit 2
	fi
	echo "build.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	if ! has_candidate linux-source-6.12 && ! has_security_source; then
		echo "build.sh: adding bookworm-security to apt ($SECURITY_LIST)" >&2
		echo "$SECURITY_SOURCE" >"$SECURITY_LIST"
		apt-get update -q >&2
	fi
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# OSS-Fuzz and ClusterFuzzLite call build.sh in their builder image with
# the toolchain in the environment and the packages their Dockerfile set up.
if [ -n "${OUT:-}" ] && [ -n "${LIB_FUZZING_ENGINE:-}" ]; then
	exec python3 -m cli.ossfuzz
fi

if command -v dpkg-query >/dev/null; then
	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -gt 0 ]; then
		install_missing "${missing[@]}"
	fi
fi

[ "$BUILD" = 1 ] || exit 0
python3 ./s2fuzz build >/dev/null
echo "build.sh: ready (./s2fuzz --help)" >&2

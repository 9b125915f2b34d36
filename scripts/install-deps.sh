#!/bin/sh
# install-deps.sh - installs the Debian packages the build and the tests need,
# only those missing, non-interactively.  Called by `make run`, `make test`
# and the other emulator targets; safe to run again.
set -eu

# grub-pc-bin and grub-efi-amd64-bin side by side make grub-mkrescue write
# one ISO that boots under BIOS and UEFI; ovmf is QEMU's UEFI firmware.
PACKAGES="gcc make nasm binutils grub-pc-bin grub-efi-amd64-bin grub-common
xorriso mtools qemu-system-x86 ovmf bochs bochsbios vgabios bochs-term libcmocka-dev
python3 python3-matplotlib gdb gcc-mingw-w64-x86-64 clang lld"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing

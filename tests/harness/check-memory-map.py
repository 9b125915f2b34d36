#!/usr/bin/env python3
"""check-memory-map.py LOG MEM NAME [FIRMWARE] - checks that the memory map
the kernel printed at boot matches the RAM QEMU was given (-m MEM), as the
firmware reports it: usable RAM adds up to MEM less at most what the
firmware keeps, and with more than 3 GiB the part above the PCI hole starts
at 4 GiB.  What the firmware keeps: under SeaBIOS (FIRMWARE "bios", the
default) the EBDA, the BIOS area and ACPI tables, a few hundred KiB,
allowed up to 2 MiB; under OVMF ("uefi") also its runtime services' code
and data, ACPI NVS and reserved pages, 6.5 MiB of 512 MiB, allowed up to
16 MiB.  Prints one TAP line."""
import re
import sys

FIRMWARE_KEEPS = {"bios": 2 << 20, "uefi": 16 << 20}


def parse_mem(text):
    units = {"M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()]


def main():
    log, mem, name = sys.argv[1], parse_mem(sys.argv[2]), sys.argv[3]
    keeps = FIRMWARE_KEEPS[sys.argv[4] if len(sys.argv) > 4 else "bios"]
    text = open(log, errors="replace").read().replace("\r", "")
    regions = [
        (int(a, 16), int(b, 16) + 1, kind)
        for a, b, kind in re.findall(r"\[([0-9a-f]{16})-([0-9a-f]{16})\]\s+\d+ KiB (\w+)", text)
    ]
    usable = [(a, b) for a, b, kind in regions if kind == "usable"]
    total = sum(b - a for a, b in usable)
    problems = []
    if not usable:
        problems.append("no memory map printed")
    elif not (mem - keeps <= total <= mem):
        problems.append(f"usable {total >> 10} KiB for -m {sys.argv[2]}")
    if mem > (3 << 30) and not any(a == 1 << 32 for a, _ in usable):
        problems.append("no usable RAM starting at 4 GiB")
    if any(a < 1 << 32 < b for a, b in usable):
        problems.append("usable RAM across the 4 GiB boundary")
    print(("not ok - " if problems else "ok - ") + name +
          (" # " + "; ".join(problems) if problems else ""))
    return 1 if problems else 0


sys.exit(main())

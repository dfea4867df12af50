#!/usr/bin/env python3
"""Fails when a file includes from a module above its own (DEVELOPERS.md, "Module map").

    scripts/check-layering.py [ROOT]     ROOT: the source tree (default: this checkout)

The order, bottom to top (a module may include its own files and any module of a lower
level, never a module of its own level or above):

    internal <- core <- xml, net, report <- crypto <- dsig, tsa <- xades, invoice
             <- batch <- service <- bindings/c <- examples

Checked: src/<module>/**, include/istmo/<module>/**, bindings/c/**, examples/**.
An include names a module by <istmo/<module>/...>, by "<module>/..." (src/ is on the include
path) or by a path relative to the including file. include/istmo/export.hpp and version.hpp
belong to core; the umbrella include/istmo/istmo.hpp sits just under batch (it includes xades).
Exit status: 0 clean, 1 upward includes found (one line each), 2 usage error.
"""
import os
import re
import sys

LEVELS = [
    ["internal"],
    ["core"],
    ["xml", "net", "report"],
    ["crypto"],
    ["dsig", "tsa"],
    ["xades", "invoice"],
    ["umbrella"],
    ["batch"],
    ["service"],  # over batch: the HTTP service, the workers and the verdict store use its validator
    ["bindings/c"],
    ["examples"],  # the CLI and the example programs, over the C++ and the C API
]
LEVEL_OF = {module: level for level, modules in enumerate(LEVELS) for module in modules}
LIBRARY_MODULES = [m for modules in LEVELS[:-2] for m in modules if m != "umbrella"]
SOURCE_SUFFIXES = (".hpp", ".h", ".cpp", ".cc", ".c", ".ipp")
INCLUDE_LINE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def module_of_path(relative):
    """The module a file (path relative to ROOT, with '/') belongs to, or None."""
    parts = relative.split("/")
    if parts[0] == "src" and len(parts) > 2 and parts[1] in LEVEL_OF:
        return parts[1]
    if parts[:2] == ["include", "istmo"] and len(parts) > 2:
        if len(parts) > 3 and parts[2] in LEVEL_OF:
            return parts[2]
        name = parts[2]
        if name in ("export.hpp", "version.hpp"):
            return "core"
        if name == "istmo.hpp":
            return "umbrella"
        if name == "istmo.h":  # the C header, installed next to the C++ ones
            return "bindings/c"
        return None
    if parts[:2] == ["bindings", "c"]:
        return "bindings/c"
    if parts[0] == "examples":
        return "examples"
    return None


def module_of_include(root, including_file, quote, target):
    """The module an include directive names, or None for a system or third-party header."""
    if target.startswith("istmo/"):
        return module_of_path("include/" + target)
    first = target.split("/")[0]
    if quote == '"':
        local = os.path.normpath(os.path.join(os.path.dirname(including_file), target))
        if os.path.exists(os.path.join(root, local)):
            return module_of_path(local.replace(os.sep, "/"))
        if first in LIBRARY_MODULES and os.path.exists(os.path.join(root, "src", target)):
            return first
    return None


def files_to_check(root):
    for top in ("src", "include/istmo", "bindings/c", "examples"):
        base = os.path.join(root, top)
        for directory, _, names in os.walk(base):
            for name in sorted(names):
                if name.endswith(SOURCE_SUFFIXES):
                    full = os.path.join(directory, name)
                    yield os.path.relpath(full, root).replace(os.sep, "/")


def check(root):
    problems = []
    for relative in files_to_check(root):
        own = module_of_path(relative)
        if own is None:
            continue
        with open(os.path.join(root, relative), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                match = INCLUDE_LINE.match(line)
                if not match:
                    continue
                other = module_of_include(root, relative, match.group(1), match.group(2))
                if other is None or other == own:
                    continue
                if LEVEL_OF[other] >= LEVEL_OF[own]:
                    where = "above" if LEVEL_OF[other] > LEVEL_OF[own] else "beside"
                    problems.append(f"{relative}:{number}: {own} includes {match.group(2)} "
                                    f"({other}, {where} {own})")
    return problems


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 2 if len(argv) > 2 else 0
    root = argv[1] if len(argv) == 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    if not os.path.isdir(os.path.join(root, "src")):
        print(f"check-layering: {root} has no src/ directory", file=sys.stderr)
        return 2
    problems = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-layering: {len(problems)} include(s) point up or sideways; "
              "see DEVELOPERS.md, Module map", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

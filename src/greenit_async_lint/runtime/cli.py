"""`greenit-async-lint runtime ...`: merge the shards the runtime hook wrote.

    greenit-async-lint runtime merge DIR [--output FILE]

prints (or writes) one JSON report. Exit 0 on success, 2 on a usage error or an unreadable
directory. The top-level CLI dispatches here with the word `runtime` already removed from argv.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from .merge import merge_shards
from .shard import write_atomic


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="greenit-async-lint runtime", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    merge = commands.add_parser("merge", help="merge per-process shards into one JSON report")
    merge.add_argument("directory", metavar="DIR", help="directory the runtime hook wrote its shards to")
    merge.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of stdout")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on usage errors, 0 on --help
        return int(exit_.code or 0)
    directory = args.directory
    if not os.path.isdir(directory):
        print(f"greenit-async-lint runtime merge: {directory}: no such directory", file=sys.stderr)
        return 2
    try:
        os.listdir(directory)
    except OSError as exc:
        print(f"greenit-async-lint runtime merge: cannot read {directory}: {exc.strerror}", file=sys.stderr)
        return 2
    report = merge_shards([directory])
    if report["run"]["shards"] == 0:
        print(f"greenit-async-lint runtime merge: no shards in {directory}", file=sys.stderr)
    for skipped in report["run"]["skipped"]:
        print(f"greenit-async-lint runtime merge: skipped {skipped['path']}: {skipped['reason']}", file=sys.stderr)
    if args.output:
        try:
            write_atomic(os.path.abspath(args.output), report)
        except OSError as exc:
            print(f"greenit-async-lint runtime merge: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return 2
    else:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

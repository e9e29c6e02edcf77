"""`python -m db`: upgrade, check, seed, stats, users. Each command takes --url (default: DATABASE_URL)."""

from __future__ import annotations

import argparse
import sys

from db import users_cli
from db.connection_errors import FAILURES, describe
from db.engine import make_engine
from db.settings import Settings


class CliError(Exception):
    """A failure to report in one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not a usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _engine(args):
    return make_engine(args.url or Settings.load().database_url)


def cmd_upgrade(args) -> int:
    from db.migrate import current_revision, upgrade

    engine = _engine(args)
    upgrade(engine)
    print(f"database is at revision {current_revision(engine)}")
    return 0


def cmd_check(args) -> int:
    from db.schema_check import differences

    with _engine(args).connect() as conn:
        problems = differences(conn)
    for p in problems:
        print(p)
    print(f"{len(problems)} difference(s) from the models" if problems else "the database matches the models")
    return 1 if problems else 0


def cmd_seed(args) -> int:
    from db.demo_marker import seed_demo
    from db.migrate import upgrade

    engine = _engine(args)
    upgrade(engine)
    with _progress(args.customers) as bar:
        counts = seed_demo(engine, customers=args.customers, seed=args.seed, reset=args.reset, progress=bar)
    print(", ".join(f"{table}: {n:,} rows" for table, n in counts.items()))
    return 0


def _progress(total: int):
    from tqdm import tqdm

    class Bar:
        def __init__(self):
            self.tqdm = tqdm(total=total, unit=" customers", unit_scale=True, file=sys.stderr)

        def __call__(self, step: int) -> None:  # seed() reports the customers of each chunk
            self.tqdm.update(step)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.tqdm.close()

    return Bar()


def cmd_stats(args) -> int:
    from db.stats import row_counts

    with _engine(args).connect() as conn:
        counts = row_counts(conn)
    width = max(map(len, counts), default=5)
    for table, n in counts.items():
        print(f"{table:<{width}}  {n:>12,}")
    return 0


def cmd_report(args) -> int:
    from db.analytics import report

    f, values, as_of = report.kpis(_engine(args), directory=Settings.load().analytics_dir, query=args.filter)
    print(report.render(f, values, as_of, as_json=args.json))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m db", description="Manage the customer database.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--url", help="database URL (default: DATABASE_URL or the SQLite file under data/)")
        p.set_defaults(func=func)
        return p

    command("upgrade", cmd_upgrade, "Bring the database to the latest schema revision.")
    command("check", cmd_check, "Compare the database with the models; exit 1 on any difference.")
    seed = command("seed", cmd_seed, "Add deterministic demo customers with preferences and segments.")
    seed.add_argument("--customers", type=_positive, required=True, help="how many customers to add")
    seed.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    seed.add_argument("--reset", action="store_true", help="delete all customers first")
    command("stats", cmd_stats, "Row counts per table.")
    rep = command("report", cmd_report, "Print the KPI tiles of a filter (the app's URL syntax).")
    rep.add_argument("--filter", help='e.g. "states=Maharashtra&categories=VIP" (default: all customers)')
    rep.add_argument("--json", action="store_true", help="print JSON instead of a table")
    users_cli.register(sub, command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CliError, *FAILURES) as exc:
        print(f"error: {describe(exc)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

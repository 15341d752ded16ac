"""Start-up of the ``cluster-nlp`` command: ``--help`` of every command against ``python -c pass``,
and an unchanged re-ingest from the shell against the first ingest, in one run.

    uv run python benchmarks/startup.py [--repeats 3] [--before DIR] [--inbox DIR ...]
        [--write BENCHMARKS.md]

Each figure is the best of ``--repeats`` runs (the machines are shared: the best run is the
one least slowed by other jobs), wall and CPU time of the child process. ``--before DIR``
runs the same measures on another checkout's code (``git archive COMMIT | tar -x -C DIR``),
to show a change's effect in the same run. The section of BENCHMARKS.md between the
``startup`` markers is rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sections import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
MARK_START, MARK_END = "<!-- startup:start -->", "<!-- startup:end -->"
# What the console script does, run as ``python -c`` so that --before can point at other code.
# ``main`` is the console script (``app`` itself before a bad setting was reported in one line).
CLI = (
    "import sys; from flows import cli; sys.argv[0] = 'cluster-nlp'; "
    "getattr(cli, 'main', cli.app)()"
)
COMMANDS = """
import json, typer
from flows.cli import app
def paths(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield [*prefix, name]
        if hasattr(command, "commands"):
            yield from paths(command, (*prefix, name))
print(json.dumps(list(paths(typer.main.get_command(app)))))
"""


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(args: list[str], env: dict[str, str], repeats: int) -> tuple[float, float]:
    return min(timed(args, env) for _ in range(repeats))


def environment(code: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if code is not None:  # another checkout's code first on the path
        env["PYTHONPATH"] = os.pathsep.join([str(code / "src"), str(code)])
    return env


def compile_bytecode(code: Path) -> None:
    """Compile a checkout's modules first, as any command's first run does where Python may
    write its bytecode cache: otherwise, where PYTHONDONTWRITEBYTECODE is set, every start
    would compile our modules again, which no installed command does twice."""
    folders = [str(code / "src"), str(code / "flows")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True)


def help_times(env: dict[str, str], repeats: int, every: bool) -> dict[str, tuple[float, float]]:
    """``--help`` of the command itself and, if ``every``, of each command and subcommand."""
    paths = [[]]
    if every:
        listed = subprocess.run(
            [sys.executable, "-c", COMMANDS], env=env, check=True, capture_output=True, text=True
        )
        paths += json.loads(listed.stdout)
    return {
        " ".join(["cluster-nlp", *path]): best(
            [sys.executable, "-c", CLI, *path, "--help"], env, repeats
        )
        for path in paths
    }


def ingest_times(
    env: dict[str, str], folder: Path, repeats: int
) -> tuple[tuple[float, float], ...]:
    """(wall, CPU) of a first ingest of ``folder`` into a fresh store and of the rerun, each
    the best of ``repeats`` (a fresh store for each first ingest)."""
    firsts, again = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as store:
            url = f"sqlite:///{store}/s.db"
            args = [sys.executable, "-c", CLI, "ingest", str(folder), "--db", url]
            firsts.append(timed(args, env))
            again.append(timed(args, env))
    return min(firsts), min(again)


def help_row(label: str, env: dict[str, str], repeats: int, every: bool) -> str:
    baseline = best([sys.executable, "-c", "pass"], env, repeats)
    helps = help_times(env, repeats, every)
    root = helps["cluster-nlp"]
    mean = [sum(times[i] for times in helps.values()) / len(helps) for i in (0, 1)]
    return (
        f"| {label} | {baseline[0]:.3f} / {baseline[1]:.3f} | {root[0]:.3f} / {root[1]:.3f} "
        f"| {f'{mean[0]:.3f} / {mean[1]:.3f} ({len(helps)} commands)' if every else '-'} |"
    )


def ingest_row(label: str, env: dict[str, str], repeats: int, folder: Path) -> str:
    first, again = ingest_times(env, folder, repeats)
    pdfs = sum(1 for _ in folder.rglob("*.pdf"))
    return (
        f"| {label} | `{folder.name}` ({pdfs} PDFs) | {first[0]:.2f} / {first[1]:.2f} "
        f"| {again[0]:.2f} / {again[1]:.2f} "
        f"| {100 * again[0] / first[0]:.1f}% / {100 * again[1] / first[1]:.1f}% |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to measure beside this one")
    parser.add_argument(
        "--inbox", type=Path, nargs="+", help="folders to ingest, each on its own [corpus/pdf]"
    )
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    inboxes = args.inbox or [ROOT / "corpus" / "pdf"]
    codes = [("this checkout", environment(None))]
    if args.before is not None:
        codes.insert(0, (f"before (`{args.before.name}`)", environment(args.before)))
    for code in [ROOT, args.before] if args.before else [ROOT]:
        compile_bytecode(code)
    # the code before took seconds for every --help: the command's own is enough there
    helps = [help_row(label, env, args.repeats, label == "this checkout") for label, env in codes]
    ingests = [
        ingest_row(label, env, args.repeats, folder) for folder in inboxes for label, env in codes
    ]
    command = (
        "uv run python benchmarks/startup.py"
        + (f" --before {args.before}" if args.before else "")
        + (f" --inbox {' '.join(map(str, args.inbox))}" if args.inbox else "")
    )
    section = "\n".join(
        [
            MARK_START,
            "## Command start-up (`benchmarks/startup.py`)",
            "",
            f"Command: `{command}`; date {date.today().isoformat()}; machine: {machine()}; "
            f"best of {args.repeats} runs. CPU counts the command's process and its parser "
            "processes.",
            "",
            "| code | `python -c pass` wall / CPU s | `cluster-nlp --help` wall / CPU s "
            "| every command's `--help`, mean wall / CPU s |",
            "|---|---:|---:|---:|",
            *helps,
            "",
            "Each folder ingested into a fresh SQLite store (`cluster-nlp ingest FOLDER --db "
            "...`, two parser workers), then again unchanged:",
            "",
            "| code | folder | first ingest wall / CPU s | unchanged re-ingest wall / CPU s "
            "| re-ingest, % of first (wall / CPU) |",
            "|---|---|---:|---:|---:|",
            *ingests,
            "",
            "A command imports the heavy libraries (spaCy, scikit-learn, Prefect, the PDF "
            "engines, pyarrow, SQLAlchemy) in its body, so `--help` pays for Python, Typer and "
            "rich alone (`tests/cli/test_startup.py` keeps them out of the start-up path). The "
            "machine is shared with other jobs (its load shows in the wall times): compare the "
            "rows of one run, and CPU more than wall. The virtualenv holds compiled bytecode "
            "(`make` syncs it with `--compile-bytecode`), and each checkout's own modules are "
            "compiled before the first measure, as a command's first run leaves them (where "
            "PYTHONDONTWRITEBYTECODE is set, as on this machine, they would otherwise be "
            "compiled again at every start).",
            "",
            "An unchanged re-ingest lists and hashes the files, then asks a SQLite store "
            "directly (the standard library's `sqlite3`, `cluster_nlp.store.known`) whether "
            "every file is stored under its name with no failure worth retrying; if so it "
            "records the run and stops, without SQLAlchemy, Alembic, the parser pool or a PDF "
            "engine (`tests/cli/test_ingest.py` keeps them out). What it still pays is Python "
            "with Typer and the command line (the `--help` column), pydantic (Typer coerces "
            "every parameter through it, and it validates the settings; its search for "
            "plugins is off), and the work itself "
            "(about 0.1 s for 587 files). The first ingest parses in two worker processes, so "
            "its wall time is about half its CPU time: the CPU ratio is "
            "the one that does not depend on the number of workers. The corpus's PDFs are "
            "small and quick to parse, the hardest case for the ratio; real reports take far "
            "longer to parse, and their re-ingest costs the same start-up.",
            MARK_END,
        ]
    )
    print(section)
    write_section(args.write, MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()

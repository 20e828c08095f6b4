"""The ``yishi`` command line (DESIGN.md, Contracts)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import click

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML config file (default: $YISHI_CONFIG, else built-in defaults).",
)


def _settings(config_path: Path | None) -> Settings:
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    setup_logging(settings.log.level, settings.log.format)
    return settings


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run on uvloop where it is installed (Linux, macOS): the HTTP path costs less CPU."""
    try:
        import uvloop

        factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - Windows has no uvloop
        factory = None
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(coro)
    except KeyboardInterrupt:
        return None


@click.group()
def main() -> None:
    """议事通 Yishi — 社区居民自治聊天机器人."""


@main.command()
@CONFIG_OPTION
def run(config_path: Path | None) -> None:
    """Serve every enabled adapter (default: SQLite ./yishi.db, web chat on :8080)."""
    from bot.app import build_yishi
    from bot.serve import serve

    _run(serve(build_yishi(_settings(config_path))))


@main.command()
@CONFIG_OPTION
def demo(config_path: Path | None) -> None:
    """Like run, on a seeded demo community (residents, a moderator, grid workers)."""
    from bot.app import build_yishi
    from bot.serve import serve

    settings = _settings(config_path)
    web = settings.web.model_copy(update={"demo_personas": True})
    _run(serve(build_yishi(settings.model_copy(update={"web": web})), demo=True))


@main.command()
@CONFIG_OPTION
@click.option("--as", "user_id", default="console", help="Who you are (a demo id such as zhang).")
def chat(config_path: Path | None, user_id: str) -> None:
    """Chat with the bot in this terminal (the console adapter)."""
    from bot.adapters.console import run_console

    _run(run_console(_settings(config_path), user_id))


@main.group(invoke_without_command=True)
@CONFIG_OPTION
@click.pass_context
def nlu(ctx: click.Context, config_path: Path | None) -> None:
    """One message a line on stdin → one JSON object a line on stdout."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.app import load_default_classifier
    from nlu.cli import run_nlu

    try:  # no logging set-up: stdout carries only the JSON lines
        settings = load_settings(config_path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    sys.exit(run_nlu(sys.stdin, sys.stdout, load_default_classifier(settings.nlu)))


@nlu.command("train")
@CONFIG_OPTION
@click.pass_context
def nlu_train(ctx: click.Context, config_path: Path | None) -> None:
    """Retrain the community's model: shipped corpus + labels given in chat (标注)."""
    from bot.nlu_training import community_corpus, train

    parent = ctx.parent.params.get("config_path") if ctx.parent is not None else None
    settings = _settings(config_path or parent)
    labelled, words = _run(community_corpus(settings))
    train(settings, labelled, words, sys.stdout)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@CONFIG_OPTION
def db_upgrade(config_path: Path | None) -> None:
    """Migrate the configured database to the newest schema."""
    from storage.engine import create_engine
    from storage.migrate import current_revision, upgrade

    settings = _settings(config_path)

    async def go() -> str | None:
        engine = create_engine(settings.storage.url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    click.echo(f"database at revision {_run(go())}")


@main.command()
@CONFIG_OPTION
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
def export(config_path: Path | None, kind: str, fmt: str) -> None:
    """Export KIND (tickets, topics, meetings, polls, votes, outcomes, …) to stdout."""
    import storage.schema  # noqa: F401  (registers every aggregate's exports)
    from storage.exports import EXPORTS, export_kind

    if kind not in EXPORTS:
        click.echo(
            f"unknown export kind {kind!r}; choose from: {', '.join(sorted(EXPORTS))}", err=True
        )
        sys.exit(2)
    settings = _settings(config_path)
    _run(export_kind(settings.storage.url, kind, fmt, sys.stdout))


@main.group()
def residents() -> None:
    """The residents register."""


@residents.command("import")
@CONFIG_OPTION
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def residents_import(config_path: Path | None, file: Path) -> None:
    """Load residents, buildings and grids from FILE.csv (bad rows are reported, good kept)."""
    from consultation.residents import import_residents
    from storage.engine import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.unit_of_work import UnitOfWorkFactory

    settings = _settings(config_path)

    async def go() -> Any:
        engine = create_engine(settings.storage.url)
        factory = UnitOfWorkFactory(session_factory(engine))
        try:
            await upgrade(engine)
            with file.open(encoding="utf-8-sig", newline="") as stream:
                return await import_residents(factory, stream, actor=f"import:{file.name}")
        finally:
            factory.close()
            await engine.dispose()

    report = _run(go())
    for line, reason in report.errors:
        click.echo(f"{file.name}:{line}: {reason}", err=True)
    click.echo(
        f"imported {report.imported}, updated {report.updated}, rejected {len(report.errors)}"
    )
    sys.exit(1 if report.errors else 0)


if __name__ == "__main__":
    main()

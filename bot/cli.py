"""The ``yishi`` command line (DESIGN.md, Contracts)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import sys
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.adapters.menu import MenuApi
    from bot.adapters.outbound import HttpClient
    from bot.adapters.port import PlatformStore
    from storage.unit_of_work import UnitOfWorkFactory

CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML config file (default: $YISHI_CONFIG, else built-in defaults).",
)


def _settings(config_path: Path | None, *, log_file: str = "") -> Settings:
    """The settings, and logging set up by them (to ``[log] file``, else ``log_file``,
    else stderr)."""
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    setup_logging(settings.log.level, settings.log.format, file=settings.log.file or log_file)
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


class _Yishi(click.Group):
    """A configuration problem found after loading (the ballot secret's file) is one
    line for the operator, like any other, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)


@click.group(cls=_Yishi)
@click.version_option(package_name="yishi", prog_name="yishi", message="%(prog)s %(version)s")
def main() -> None:
    """议事通 Yishi — 社区居民自治聊天机器人."""


WORKERS_OPTION = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Serve N processes on one port (PostgreSQL only; see bot/workers.py).",
)


#: The demo community's duty phone (a made-up number).
DEMO_DUTY_PHONE = "0551-6288 0000"


def _demo_settings(settings: Settings) -> Settings:
    web = settings.web.model_copy(update={"demo_personas": True})
    community = settings.community
    demo_faq = str(Path(__file__).with_name("demo_faq.toml"))
    community = community.model_copy(
        update={
            "duty_phone": community.duty_phone or DEMO_DUTY_PHONE,
            "faq_path": community.faq_path or demo_faq,
        }
    )
    return settings.model_copy(update={"web": web, "community": community})


@main.command()
@CONFIG_OPTION
@WORKERS_OPTION
def run(config_path: Path | None, workers: int | None) -> None:
    """Serve every enabled adapter (default: SQLite ./yishi.db, web chat on :8080)."""
    if workers is not None:  # the parent: it never loads the bot itself
        from bot.workers import supervise

        sys.exit(supervise(_settings(config_path), workers, config_path=config_path))
    from bot.app import build_yishi
    from bot.serve import serve

    settings = _settings(config_path)
    _run_on_database(serve(build_yishi(settings)), settings)


@main.command()
@CONFIG_OPTION
@WORKERS_OPTION
def demo(config_path: Path | None, workers: int | None) -> None:
    """Like run, on a seeded demo community (residents, a moderator, grid workers)."""
    if workers is not None:
        from bot.workers import supervise

        settings = _settings(config_path)
        sys.exit(supervise(settings, workers, config_path=config_path, demo=True))
    from bot.app import build_yishi
    from bot.serve import serve

    settings = _settings(config_path)
    _run_on_database(serve(build_yishi(_demo_settings(settings)), demo=True), settings)


@main.command(hidden=True)
@CONFIG_OPTION
@click.option("--workers", type=click.IntRange(min=1), required=True)
@click.option("--slot", type=int, required=True)
@click.option("--socket-fd", type=int, required=True)
@click.option("--ready-fd", type=int, required=True)
@click.option("--lifeline-fd", type=int, required=True)
@click.option("--demo", is_flag=True)
def worker(config_path: Path | None, demo: bool, **inherited: int) -> None:
    """One of ``--workers N``, started by its parent on the parent's socket (``inherited``:
    the options above, handed to :func:`bot.workers.serve_worker` as they are)."""
    import bot.app  # noqa: F401  (before logging is set up, as run does: Alembic's import lines)
    from bot.workers import serve_worker

    settings = _settings(config_path)
    _run_on_database(
        serve_worker(_demo_settings(settings) if demo else settings, demo=demo, **inherited),
        settings,
    )


@main.command()
@CONFIG_OPTION
@click.option("--as", "user_id", default="console", help="Who you are (a demo id such as zhang).")
def chat(config_path: Path | None, user_id: str) -> None:
    """Chat with the bot in this terminal (the console adapter)."""
    from bot.adapters.console import run_console

    # Log lines on the terminal would land in the middle of the prompt.
    _run(run_console(_settings(config_path, log_file="yishi-chat.log"), user_id))


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
    from bot.nlu_training import community_corpus, train_community_model

    parent = ctx.parent.params.get("config_path") if ctx.parent is not None else None
    settings = _settings(config_path or parent)
    labelled, words = _run(community_corpus(settings))
    train_community_model(settings, labelled, words, sys.stdout)


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
    # A migration may take longer than any one request's statement: no statement limit.
    options = settings.storage.engine_options() | {"statement_timeout": None}

    async def go() -> str | None:
        engine = create_engine(settings.storage.url, **options)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    click.echo(f"database at revision {_run_on_database(go(), settings)}")


def _fail(message: str, status: int = 2) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(status)


@contextlib.asynccontextmanager
async def _database(settings: Settings, *, upgrade: bool) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work on the configured database, at the newest schema.

    ``upgrade``: bring an empty or older database up to date first (imports). Otherwise
    (exports) refuse with one line saying what to run: reading is no reason to create
    a database, or to change the schema under a bot that may still be running.
    """
    from storage.engine import create_engine, session_factory, sqlite_file
    from storage.migrate import require_current
    from storage.migrate import upgrade as upgrade_schema
    from storage.unit_of_work import UnitOfWorkFactory

    url = settings.storage.url
    missing = sqlite_file(url)
    if not upgrade and missing is not None and not missing.exists():
        _fail(f"no database at {missing}: run `yishi db upgrade` (or `yishi run`) first")
    engine = create_engine(url, **settings.storage.engine_options())
    factory = UnitOfWorkFactory(session_factory(engine))
    try:
        if upgrade:
            await upgrade_schema(engine)
        else:
            await require_current(engine)
        yield factory
    finally:
        factory.close()
        await engine.dispose()


def _run_on_database(coro: Coroutine[Any, Any, Any], settings: Settings) -> Any:
    """Run a command's work; a database that is out of date or out of reach is one line."""
    for quiet in ("alembic", "yishi.storage"):  # stderr is the operator's
        logging.getLogger(quiet).setLevel(logging.WARNING)
    from sqlalchemy.engine import make_url

    from storage.faults import is_outage
    from storage.migrate import SchemaBehind

    where = make_url(settings.storage.url).render_as_string(hide_password=True)
    try:
        return _run(coro)
    except SchemaBehind as exc:
        _fail(f"{where}: {exc}: run `yishi db upgrade` first")
    except Exception as exc:
        if not is_outage(exc):
            raise
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _fail(f"cannot use the database at {where}: {reason}", 3)


@main.command()
@CONFIG_OPTION
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
def export(config_path: Path | None, kind: str, fmt: str) -> None:
    """Export KIND (tickets, topics, meetings, polls, votes, outcomes, …) to stdout."""
    import consultation.exports  # noqa: F401  (registers every export kind)
    from bot.progress import ProgressMeter
    from storage.exports import KINDS, Rules, export_kind

    if kind not in KINDS:
        _fail(f"unknown export kind {kind!r}; choose from: {', '.join(sorted(KINDS))}")
    settings = _settings(config_path)
    rules = Rules(settings.tickets.confidentiality())
    progress = ProgressMeter(sys.stderr, f"导出 {kind}")

    async def go() -> int:
        async with _database(settings, upgrade=False) as units:
            return await export_kind(units, kind, fmt, sys.stdout, rules, progress)

    try:
        _run_on_database(go(), settings)
    finally:
        progress.close()


@main.group()
def residents() -> None:
    """The residents register."""


@residents.command("import")
@CONFIG_OPTION
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def residents_import(config_path: Path | None, file: Path) -> None:
    """Load residents, buildings and grids from FILE.csv (UTF-8 or GBK; bad rows are
    reported with their line, good rows kept)."""
    from bot.progress import ProgressMeter
    from consultation.residents import RegisterEncodingError, decode_register, import_residents

    settings = _settings(config_path)
    try:
        text = decode_register(file.read_bytes())
    except RegisterEncodingError as exc:
        _fail(f"{file.name}: {exc}")
    progress = ProgressMeter(sys.stderr, f"导入 {file.name}", total=max(0, text.count("\n") - 1))

    async def go() -> Any:
        async with _database(settings, upgrade=True) as units:
            return await import_residents(
                units, io.StringIO(text, newline=""), actor=f"import:{file.name}", progress=progress
            )

    try:
        report = _run_on_database(go(), settings)
    finally:
        progress.close()
    for line, reason in report.errors:
        click.echo(f"{file.name}:{line}: {reason}", err=True)
    click.echo(
        f"imported {report.imported}, updated {report.updated}, rejected {len(report.errors)}"
    )
    sys.exit(1 if report.errors else 0)


@residents.command("bind-code")
@CONFIG_OPTION
@click.argument("who")
def residents_bind_code(config_path: Path | None, who: str) -> None:
    """Issue a one-time bind code for WHO (a name, or #12 for resident 12) and print it.

    How a deployment gets its first moderator: import them with roles=moderator,
    issue their code here, and they send it to the bot from their own account.
    """
    import getpass

    from consultation.binding import CODE_TTL, issue_code
    from consultation.residents import people_named
    from storage.engine import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.types import utcnow
    from storage.unit_of_work import UnitOfWorkFactory

    settings = _settings(config_path)

    async def go() -> tuple[list[tuple[int, str]], str | None]:
        engine = create_engine(settings.storage.url)
        factory = UnitOfWorkFactory(session_factory(engine))
        try:
            await upgrade(engine)
            async with factory() as uow:
                people = await people_named(uow, who)
                found = [(p.id or 0, p.name) for p in people]
                if len(found) != 1:
                    return found, None
                actor = f"cli:{getpass.getuser()}"
                return found, await issue_code(uow, found[0][0], actor, utcnow())
        finally:
            factory.close()
            await engine.dispose()

    found, code = _run(go())
    if not found:
        click.echo(
            f"no resident named {who!r}; import them first (yishi residents import)", err=True
        )
        sys.exit(1)
    if code is None:
        ids = ", ".join(f"#{rid}" for rid, _ in found)
        click.echo(f"{len(found)} residents are named {who!r}: {ids}; give one as #id", err=True)
        sys.exit(1)
    hours = int(CODE_TTL.total_seconds() // 3600)
    click.echo(f"bind code for {found[0][1]} (#{found[0][0]}): {code}")
    click.echo(f"valid {hours} hours, once. Tell it to them in person or by phone; they send")
    click.echo(f"    绑定 {code}")
    click.echo("to the bot from their own WeChat, WeCom, Telegram or web chat.")


@main.group()
def wechat() -> None:
    """The WeChat Official Account (公众号)."""


@main.group()
def wecom() -> None:
    """The WeCom (企业微信) app."""


def _menu_api(settings: Settings, platform: str, http: HttpClient, store: PlatformStore) -> MenuApi:
    """The platform's API client for its menu (its token shared through the database)."""
    from storage.types import utcnow

    if platform == "wechat":
        from bot.adapters.wechat.api import WechatApi

        wx = settings.wechat
        return WechatApi(
            http,
            store,
            base_url=wx.api_base_url,
            app_id=wx.app_id,
            app_secret=wx.app_secret,
            clock=utcnow,
        )
    from bot.adapters.wecom.adapter import WecomApi

    return WecomApi(http, store, settings.wecom, clock=utcnow)


def _menu(config_path: Path | None, platform: str, *, publish: bool) -> NoReturn:
    """Publish the configured menu (or not), read back what the platform shows, print it
    and whether it is the configured one: exit 0 when it is, 1 when not."""
    from bot.adapters.menu import create_body, describe, menu_keys, publish_menu
    from bot.adapters.outbound import HttpClient, OutboundError
    from bot.adapters.port import PlatformStore
    from bot.adapters.wechat.api import WechatApiError

    settings = _settings(config_path)
    section = settings.wechat if platform == "wechat" else settings.wecom
    needed = ("app_id", "app_secret") if platform == "wechat" else ("corp_id", "secret")
    missing = [f"{platform}.{key}" for key in needed if not getattr(section, key)]
    if missing:
        _fail(f"config error: {', '.join(missing)} needed to reach the platform")
    body, left_out = create_body(section.menu, settings.web.public_url)
    keys = menu_keys(section.menu)
    for note in left_out:
        click.echo(f"left out: {note}", err=True)

    async def go() -> dict[str, Any]:
        async with _database(settings, upgrade=False) as units:
            http = HttpClient()
            try:
                api = _menu_api(settings, platform, http, PlatformStore(units))
                return await publish_menu(api, body if publish else None)
            finally:
                await http.close()

    name = "WeChat" if platform == "wechat" else "WeCom"
    try:
        shown = _run_on_database(go(), settings)
    except WechatApiError as exc:
        _fail(f"{name} refused: {exc}", 1)
    except OutboundError as exc:
        _fail(f"{name} not reached: {exc}", 3)
    if publish:
        click.echo(f"published to {name}: {len(body['button'])} buttons")
    click.echo(f"{name} shows:")
    click.echo("\n".join(describe(shown, keys)))
    if shown == body:
        click.echo("matches the configuration")
        sys.exit(0)
    click.echo("differs from the configuration, which is:")
    click.echo("\n".join(describe(body, keys)))
    if not publish:
        click.echo(f"publish it with: yishi {platform} menu publish")
    sys.exit(1)


def _menu_commands(parent: click.Group, platform: str) -> None:
    """``yishi PLATFORM menu publish|show``: the same two commands for each platform."""

    @parent.group("menu", help=f"The custom menu at the bottom of the chat ([{platform}] menu).")
    def menu() -> None:
        pass

    @menu.command("publish")
    @CONFIG_OPTION
    def publish(config_path: Path | None) -> None:
        """Publish the configured menu, then print what the platform shows."""
        _menu(config_path, platform, publish=True)

    @menu.command("show")
    @CONFIG_OPTION
    def show(config_path: Path | None) -> None:
        """Print the menu the platform shows and whether it is the configured one."""
        _menu(config_path, platform, publish=False)


_menu_commands(wechat, "wechat")
_menu_commands(wecom, "wecom")


if __name__ == "__main__":
    main()

"""The ballot secret: from the config, else generated once beside it, private, shared."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.ballot_secret import load_ballot_keys, read_or_create
from bot.config import ConfigError, PollSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _same(a: object, b: object) -> bool:
    """Two BallotKeys agree when they compute the same slot and open each other's seals."""
    from consultation.ballot_box import BallotKeys

    assert isinstance(a, BallotKeys) and isinstance(b, BallotKeys)
    slot = a.slot(3, "r:7")
    return slot == b.slot(3, "r:7") and b.open(3, slot, a.seal(3, slot, 4)) == 4


def test_generated_once_beside_the_config_readable_only_by_its_owner(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "yishi.toml"
    config.parent.mkdir()
    config.write_text("[community]\nname = '和平社区'\n", encoding="utf-8")
    settings = load_settings(config)
    first = load_ballot_keys(settings.polls)
    key_file = config.parent / "yishi-ballot.key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) == 64
    assert _same(first, load_ballot_keys(load_settings(config).polls)), "read back on restart"


def test_a_relative_file_is_beside_the_config_and_the_key_wins(tmp_path: Path) -> None:
    config = tmp_path / "yishi.toml"
    config.write_text("[polls]\nballot_secret_file = 'secrets/ballot'\n", encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    settings = load_settings(config)
    assert settings.polls.ballot_secret_file == str(tmp_path / "secrets" / "ballot")
    load_ballot_keys(settings.polls)
    assert (tmp_path / "secrets" / "ballot").exists()
    given = PollSettings(ballot_secret="x" * 40, ballot_secret_file=str(tmp_path / "none"))
    load_ballot_keys(given)
    assert not (tmp_path / "none").exists(), "a configured secret is used as it is"


def test_processes_starting_together_share_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "yishi-ballot.key"
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: read_or_create(path), range(32)))
    assert len(secrets) == 1 and [p.name for p in tmp_path.iterdir()] == [path.name]
    script = "import sys; from bot.ballot_secret import read_or_create; from pathlib import Path; print(read_or_create(Path(sys.argv[1])))"  # noqa: E501
    from_processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "p.key")],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    outputs = {p.communicate()[0].strip() for p in from_processes}
    assert len(outputs) == 1 and outputs == {(tmp_path / "p.key").read_text().strip().encode()}


def test_a_short_secret_is_one_line_for_the_operator(tmp_path: Path) -> None:
    config = tmp_path / "yishi.toml"
    config.write_text("[polls]\nballot_secret = 'short'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as bad:
        load_settings(config)
    assert "polls.ballot_secret" in str(bad.value) and "32" in str(bad.value)
    short_file = tmp_path / "short.key"
    short_file.write_text("tiny\n")
    os.chmod(short_file, 0o600)
    with pytest.raises(ConfigError):
        load_ballot_keys(PollSettings(ballot_secret_file=str(short_file)))
    nowhere = tmp_path / "serve.toml"
    nowhere.write_text(
        f"[storage]\nurl = 'sqlite:///{tmp_path}/y.db'\n[web]\nport = 18301\n"
        "[polls]\nballot_secret_file = 'missing-dir/ballot.key'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(nowhere)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("config error: polls.ballot_secret_file: cannot write")

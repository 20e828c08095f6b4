"""The migration history stays one straight line, so every database upgrades the same way."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from storage.migrate import alembic_config


def test_one_head_and_a_linear_history() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1, f"several heads: {scripts.get_heads()}"
    revisions = list(scripts.walk_revisions())
    assert all(not isinstance(r.down_revision, tuple) for r in revisions[:-1] if r.down_revision)
    assert revisions[-1].down_revision is None


def test_a_revision_names_its_parent_only_where_alembic_reads_it() -> None:
    """Alembic reads ``revision`` and ``down_revision``; the template's "Revises:" and
    "Revision ID:" lines in a docstring are never read back and went stale (pushes_1's
    said it revised outcomes_1, its parent being platforms_5)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    stale = [
        (script.revision, line.strip())
        for script in scripts.walk_revisions()
        for line in script.longdoc.splitlines()
        if line.strip().startswith(("Revision ID:", "Revises:", "Create Date:"))
    ]
    assert stale == []

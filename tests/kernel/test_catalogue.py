"""The catalogue's refusals said while acting for someone else (代办): each names the
resident, and each line that says 您 to whoever acts has one, unless 代办 never meets it."""

from __future__ import annotations

import tomllib

from kernel.texts import LOCALE_DIR

#: Lines that say 您 but are never met while acting for someone: they answer a
#: resident's own withdrawal (撤销 their own 附议, 报名 or vote), their own choice's
#: words, or an anonymous poll (which 代办 refuses first).
NOT_MET_ASSISTING = {
    "topic_error": {"not_cosigned"},
    "meeting_error": {"not_signed_up", "which_signup"},
    "poll_error": {"anonymous_final", "empty", "not_voted"},
}


def _sections() -> dict[str, dict[str, object]]:
    return tomllib.loads((LOCALE_DIR / "zh_CN.toml").read_text(encoding="utf-8"))


def test_every_refusal_that_says_you_has_a_variant_naming_the_resident() -> None:
    catalogue = _sections()
    for section, skipped in NOT_MET_ASSISTING.items():
        lines = catalogue[section]
        assisted = lines.get("assisted", {})
        assert isinstance(assisted, dict)
        for code, text in lines.items():
            if isinstance(text, str) and "您" in text and code not in skipped:
                assert code in assisted, f"{section}.assisted.{code} is missing"
        for code, text in assisted.items():
            assert code in lines, f"{section}.assisted.{code} varies no line"
            assert "{name}" in text and "您" not in text, f"{section}.assisted.{code}: {text}"

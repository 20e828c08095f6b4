"""Words a resident answers a draft with (a report, a topic): the same in every draft flow."""

from __future__ import annotations

CONFIRM_WORDS = frozenset({"确认提交", "确认", "提交", "是", "是的", "对", "好", "好的", "ok"})
#: "继续" after the word about a kept draft: show where it stands.
GO_ON = ("继续",)

"""The trained intent classifier: normalize → features → linear model → slots."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from kernel.intents import Intent, NluResult
from nlu.features import extract
from nlu.model import LinearModel
from nlu.normalize import normalize
from nlu.segment import Segmenter
from nlu.slots import DEFAULT_TZ, extract_slots

Clock = Callable[[], datetime]


class TrainedClassifier:
    """Implements :class:`kernel.intents.IntentClassifier` with the exported model.

    ``clock`` is injectable so that tests can pin "now" for date slots.
    ``words`` are community words (word → tag) added to those the model was
    trained with (its ``dictionary``).
    """

    def __init__(
        self,
        model: LinearModel,
        *,
        tz: ZoneInfo | str = DEFAULT_TZ,
        clock: Clock | None = None,
        words: Mapping[str, str] | None = None,
    ) -> None:
        self.model = model
        self.segmenter = Segmenter({**model.dictionary, **(words or {})})
        self._intents = {label: Intent(label) for label in model.labels}
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(self.tz)

    def rank(self, text: str) -> list[tuple[Intent, float]]:
        """All labels with probabilities, best first."""
        return self._rank(normalize(text))

    def _rank(self, normalized: str) -> list[tuple[Intent, float]]:
        if not normalized:
            return [(Intent.OTHER, 1.0)]
        probs = self.model.probabilities(extract(normalized, self.segmenter))
        intents = self._intents
        return [(intents[label], p) for label, p in probs]

    def classify(self, text: str, *, slots: bool = True) -> NluResult:
        normalized = normalize(text)
        ranked = self._rank(normalized)
        intent, confidence = ranked[0]
        found = extract_slots(normalized, intent, now=self._now(), tz=self.tz) if slots else {}
        return NluResult(
            text=text,
            intent=intent,
            confidence=confidence,
            slots=found,
            alternatives=tuple((i, round(p, 4)) for i, p in ranked[:3]),
        )

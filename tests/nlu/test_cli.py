from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from nlu import TrainedClassifier
from nlu.cli import evaluate, run_nlu
from nlu.corpus.written import Row, write_tsv


def test_run_nlu_one_json_line_per_input_line(classifier: TrainedClassifier) -> None:
    stdin = io.StringIO("3号楼电梯坏了\n\n附议T12🙏\n贊成\n")
    stdout = io.StringIO()
    assert run_nlu(stdin, stdout, classifier) == 0
    lines = stdout.getvalue().splitlines()
    assert len(lines) == 4
    rows = [json.loads(line) for line in lines]
    assert all(set(r) == {"text", "intent", "confidence", "slots"} for r in rows)
    assert rows[0]["intent"] == "report_issue"
    assert rows[0]["slots"]["building"] == "3"
    assert rows[1] == {"text": "", "intent": "other", "confidence": 1.0, "slots": {}}
    assert rows[2]["slots"] == {"topic": "T12"}
    assert "附议T12🙏" in lines[2]  # ensure_ascii=False: Chinese and emoji stay readable


def test_evaluate_prints_the_figures(tmp_path: Path) -> None:
    test_set = tmp_path / "test.tsv"
    write_tsv(
        [
            Row("电梯坏了", "report_issue", "x1 测试者", "terse", "written:test/x1.txt"),
            Row("附议T3", "vote", "x2 测试者", "voice", "written:test/x2.txt"),
            Row("电梯坏了", "report_issue", "x1 测试者", "terse", "written:test/x1.txt"),
        ],
        test_set,
    )
    out = io.StringIO()
    report = evaluate(test_path=test_set, stdout=out)
    text = out.getvalue()
    assert report.total == 2, "a message written twice counts once"
    assert report.accuracy == 0.5
    assert "2 messages by 2 authors" in text
    assert "accuracy: 0.5000" in text
    assert "confusion matrix" in text
    assert "accuracy by style" in text and "voice" in text
    assert "[vote → second_topic" in text and "(x2, voice)" in text
    assert "targets" in text and "NOT met" in text


def test_module_entry_point_runs(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nlu.evaluate", "--no-misses"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert "unseen test set" in out.stdout and "accuracy:" in out.stdout
    assert "targets" in out.stdout
    assert out.stderr == ""

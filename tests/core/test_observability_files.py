"""The committed Grafana dashboard and Prometheus alert rules
(deploy/observability/): well-formed, and naming only metrics the application exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from apps.core import metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "observability" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "observability" / "grafana" / "backend-academy.json"
# Series Prometheus adds itself to every target.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "gauge": ("",),
}
_NAME = re.compile(r"(?<![A-Za-z0-9_:\"'])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[|\)|$|\s)")
_STRINGS = re.compile(r"\"[^\"]*\"|'[^']*'")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_KEYWORDS = {"by", "without", "on", "ignoring", "bool", "and", "or", "unless", "offset"}


@pytest.fixture
def exported(db) -> set[str]:
    """Every series name /metrics can expose, from its own # TYPE lines."""
    names = set(PROMETHEUS_OWN)
    for line in metrics.exposition().decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            base = name.removesuffix("_total") if kind == "counter" else name
            names.update(base + suffix for suffix in SUFFIXES.get(kind, ("",)))
    assert {"academy_live_answer_ack_seconds_bucket", "academy_live_rooms"} <= names
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (not functions, keywords, labels)."""
    text = _LABEL_LISTS.sub(" ", _STRINGS.sub('""', expr))
    text = re.sub(r"\{[^}]*\}", "{}", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "[]", text)  # range durations
    found = set()
    for match in _NAME.finditer(text):
        name = match.group(1)
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or name in _KEYWORDS:
            continue
        found.add(name)
    return found


def test_the_promql_name_reader_finds_names_and_nothing_else():
    expr = (
        'histogram_quantile(0.99, sum by (le, route) (rate(academy_x_bucket{status="5xx"}[5m])))'
        " / clamp_min(sum(up), 1e-9) > 0.01 and on (job) academy_y"
    )
    assert metric_names(expr) == {"academy_x_bucket", "up", "academy_y"}


def test_alert_rules_are_well_formed_and_use_exported_metrics(exported):
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    rules = [rule for group in document["groups"] for rule in group["rules"]]
    assert {group["name"] for group in document["groups"]} == {"backend-academy-slo"}
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule["alert"])
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0m")), rule["alert"]
        assert rule["labels"]["severity"] in {"page", "warning"}
        assert rule["annotations"]["summary"]
        used = metric_names(rule["expr"])
        assert used, rule["alert"]
        assert used <= exported, (rule["alert"], used - exported)
    every = " ".join(rule["expr"] for rule in rules)
    for slo in (
        "academy_live_answer_ack_seconds_bucket",
        'status="5xx"',
        "academy_exercise_queue_wait_seconds_bucket",
        "academy_readiness_check_up",
    ):
        assert slo in every


def test_promtool_accepts_the_rules():
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("REQUIRE_PROMTOOL", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail("REQUIRE_PROMTOOL=1: promtool is not installed (make promtool)")
        pytest.skip("promtool is not installed (make promtool)")
    done = subprocess.run(
        [promtool, "check", "rules", str(RULES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_dashboard_panel_queries_exported_metrics(exported):
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert len(panels) >= 10
    queried: set[str] = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = metric_names(target["expr"])
            assert used, (panel["title"], target["expr"])
            assert used <= exported, (panel["title"], used - exported)
            queried |= used
    for slo in (
        "academy_live_answer_ack_seconds_bucket",
        "academy_http_responses_total",
        "academy_exercise_queue_wait_seconds_bucket",
        "academy_readiness_check_up",
    ):
        assert slo in queried

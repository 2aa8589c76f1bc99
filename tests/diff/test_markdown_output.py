"""The pull-request comment view: summary, models, a details block per component, the size limit."""

from __future__ import annotations

import infra.diff.markdown_output
from infra.diff.compare import diff_plans
from infra.diff.markdown_output import render_markdown
from tests.diff.conftest import NEW_REVISION


def test_markdown_has_the_summary_models_and_a_details_block_per_component(plans):
    md = render_markdown(diff_plans(plans["base"], plans["swap"], base_label="origin/main"))
    assert md.startswith("<!-- llm-platform-diff:prod -->\n"
                         "### `prod`: 6 to add, 1 to change (0 replaced), 6 to destroy")
    assert "models affected: qwen3-8b (changed)" in md
    assert "Compared with `origin/main`" in md
    assert md.count("<details>") == md.count("</details>") == 3
    assert "<summary><code>llm-platform:serving:ModelRelease qwen3-8b</code>: 1 to change</summary>" in md
    assert "```diff" in md
    assert '+   spec.template.spec.containers[0].args[0]: "/models/Qwen/Qwen3-8B/' + NEW_REVISION in md
    assert "| `qwen3-8b` | changed: revision" in md


def test_markdown_stays_under_the_comment_limit(plans, monkeypatch):
    whole = diff_plans(None, plans["base"], base_label="origin/main")
    md = render_markdown(whole)
    assert len(md) < 65_536
    assert f"### `prod`: {len(plans['base'].resources)} to add, 0 to change (0 replaced), 0 to destroy" in md
    assert "left out" not in md

    monkeypatch.setattr(infra.diff.markdown_output, "MARKDOWN_LIMIT", 4000)
    short = render_markdown(whole)
    assert len(short) < 5000 and 0 < short.count("<details>") < len(whole.groups)
    assert "component(s) left out to fit a comment: run `python -m infra diff --stack prod --base origin/main`" in short

"""Settings come from ``CLUSTER_NLP_*`` variables, relative paths start from ``home``, and a
value that does not validate is reported in one line naming its variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cluster_nlp.config import PROJECT_ROOT, Settings, SettingsError, get_settings


@pytest.mark.parametrize(
    ("environ", "field", "expected"),
    [
        ({}, "workers", 2),
        ({"CLUSTER_NLP_WORKERS": "3"}, "workers", 3),
        ({"cluster_nlp_workers": "4"}, "workers", 4),  # names in any case
        ({"CLUSTER_NLP_KEEP_MODELS_LOADED": "yes"}, "keep_models_loaded", True),
        ({"CLUSTER_NLP_KEEP_MODELS_LOADED": "0"}, "keep_models_loaded", False),
        ({"CLUSTER_NLP_TAG_CRON": "*/5 * * * *"}, "tag_cron", "*/5 * * * *"),
        ({"WORKERS": "5", "CLUSTERNLP_WORKERS": "6"}, "workers", 2),  # not ours
        ({"CLUSTER_NLP_NO_SUCH_SETTING": "x"}, "workers", 2),  # unknown names are ignored
        ({}, "models_dir", PROJECT_ROOT / "models"),
        ({"CLUSTER_NLP_HOME": "/srv/cn"}, "models_dir", Path("/srv/cn/models")),
        ({"CLUSTER_NLP_MODELS_DIR": "/opt/models"}, "models_dir", Path("/opt/models")),
        ({"CLUSTER_NLP_HOME": "/srv/cn"}, "db", "sqlite:////srv/cn/data/cluster_nlp.db"),
        ({"CLUSTER_NLP_DB": "sqlite:///:memory:"}, "db", "sqlite:///:memory:"),
        (
            {"CLUSTER_NLP_DB": "sqlite:////abs/x.db?timeout=5"},
            "db",
            "sqlite:////abs/x.db?timeout=5",
        ),
        ({"CLUSTER_NLP_DB": "postgresql://u@h/db"}, "db", "postgresql://u@h/db"),
        ({}, "taxonomy", None),
    ],
)
def test_settings_from_the_environment(environ, field, expected):
    assert getattr(get_settings(environ), field) == expected


def test_the_process_environment_is_read_by_default(monkeypatch):
    monkeypatch.setenv("CLUSTER_NLP_CHUNK_SIZE", "7")
    assert get_settings().chunk_size == 7


@pytest.mark.parametrize(
    ("environ", "in_message"),
    [
        ({"CLUSTER_NLP_CLAIM_TTL_S": "abc"}, "CLUSTER_NLP_CLAIM_TTL_S='abc': Input should be"),
        ({"CLUSTER_NLP_WORKERS": "0"}, "CLUSTER_NLP_WORKERS='0': Input should be greater"),
        ({"cluster_nlp_file_max_mb": "-1"}, "CLUSTER_NLP_FILE_MAX_MB='-1'"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(environ, in_message):
    with pytest.raises(SettingsError) as raised:
        get_settings(environ)
    assert in_message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_every_setting_has_a_default():
    assert Settings.model_validate({}) == get_settings({})


def test_a_command_reports_a_bad_setting_in_one_line_and_exits_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", "models", "list"],
        capture_output=True,
        text=True,
        env={"CLUSTER_NLP_CLAIM_TTL_S": "[abc]", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: invalid setting CLUSTER_NLP_CLAIM_TTL_S='[abc]': Input should be a valid "
        "number, unable to parse string as a number"
    ]

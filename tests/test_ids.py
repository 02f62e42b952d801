"""Identifiers parse and rebuild both ways."""

import pytest

from generator.ids import DocumentId, ProvisionId


@pytest.mark.parametrize("text", ["yangxian-2023-work-points", "zhejiang-2023-implementing-opinions", "cn-2024-notice-2"])
def test_document_id_round_trip(text):
    assert str(DocumentId.parse(text)) == text


def test_document_id_parts():
    assert DocumentId.parse("linxian-2024-action-plan-3") == DocumentId("linxian", 2024, "action-plan", 3)


@pytest.mark.parametrize("text", ["Yangxian-2023-x", "yangxian-23-work-points", "yangxian-2023", ""])
def test_document_id_rejects(text):
    with pytest.raises(ValueError):
        DocumentId.parse(text)


@pytest.mark.parametrize("text", ["yangxian-2023-work-points:3.2", "haidong-2021-work-points:2.1.4",
                                  "linxian-2024-action-plan:notice.p3", "zhejiang-2023-implementing-opinions:p1"])
def test_provision_id_round_trip(text):
    pid = ProvisionId.parse(text)
    assert str(pid) == text
    assert ProvisionId.from_anchor(pid.document, pid.anchor) == pid


def test_provision_anchor_starts_with_letter():
    assert ProvisionId.parse("yangxian-2023-work-points:3.2").anchor == "p-3-2"


@pytest.mark.parametrize("text", ["yangxian-2023-work-points", "yangxian-2023-work-points:", "yangxian-2023-work-points:3..2",
                                  "yangxian-2023-work-points:x1", "bad:1"])
def test_provision_id_rejects(text):
    with pytest.raises(ValueError):
        ProvisionId.parse(text)

from workingup.domain import StatementKind
from workingup.themes import NearDuplicateIndex, Quote, Theme, candidate_statements, find_themes

TEXT = (
    "Who will watch my kids? Affordable child care should be available at night. I work nights at the plant."
)


def theme_with(*texts: str) -> Theme:
    quotes = tuple(Quote(i, t, 0, len(t), f"P{i}") for i, t in enumerate(texts))
    return Theme(1, "child care", ("child care", "nights"), tuple(range(len(texts))), quotes, 0.5)


def test_candidates_are_verbatim_sentences_linked_to_their_contribution(sample):
    texts = {c.id: c.text for c in sample}
    result = find_themes(sample)
    for theme in result.themes:
        candidates = candidate_statements(theme)
        assert 1 <= len(candidates) <= 5
        quoted = {q.contribution_id for q in theme.quotes}
        for c in candidates:
            assert c.theme_id == theme.id
            assert c.contribution_id in quoted
            assert texts[c.contribution_id][c.start : c.end] == c.text


def test_questions_are_skipped_and_proposals_come_first():
    candidates = candidate_statements(theme_with(TEXT))
    assert [c.text for c in candidates] == [
        "Affordable child care should be available at night.",
        "I work nights at the plant.",
    ]
    assert candidates[0].suggested_kind is StatementKind.PROPOSAL
    assert candidates[1].suggested_kind is None
    assert TEXT[candidates[0].start : candidates[0].end] == candidates[0].text


def test_one_sentence_per_voice_first_and_no_near_repeats():
    a = "Child care at night should be affordable. My kids are small."
    b = "Child care at night should be affordable!"
    c = "I need child care on nights and weekends."
    candidates = candidate_statements(theme_with(a, b, c), limit=3)
    texts = [x.text for x in candidates]
    assert texts[0] == "Child care at night should be affordable."
    assert "Child care at night should be affordable!" not in texts
    assert "I need child care on nights and weekends." in texts[:2]


def test_existing_statements_are_flagged():
    index = NearDuplicateIndex(
        ["Affordable child care should be available at night.", "Payday lenders should be banned."],
        ids=[11, 12],
    )
    candidates = candidate_statements(theme_with(TEXT), existing=index)
    assert [m.id for m in candidates[0].similar_existing] == [11]
    assert candidates[0].to_dict()["similar_existing"][0]["similarity"] > 0.9

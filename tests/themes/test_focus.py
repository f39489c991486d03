from tests.themes.fixtures import WORKING_UP, topic_focus_areas
from workingup.domain import DialogueDefinition
from workingup.themes import Quote, Theme, map_to_focus_areas, themes_from_groups


def mapped_topics(sample, topics, method="tfidf"):
    result = themes_from_groups(sample, {c.id: topics[c.id] for c in sample}, method=method)
    matches = map_to_focus_areas(result, WORKING_UP, method=method)
    assert [m.theme_id for m in matches] == [t.id for t in result.themes]
    return {topics[t.members[0]]: m for t, m in zip(result.themes, matches, strict=True)}


def check_mapping(by_topic, *, min_best=9, min_inquiry=6):
    expected = topic_focus_areas()
    fitting = [t for t, (area, _) in expected.items() if area is not None]
    best = sum(by_topic[t].focus_scores[0][0] == expected[t][0] for t in fitting)
    assert best >= min_best, {t: by_topic[t].focus_scores[0] for t in fitting}
    assigned_right = [t for t in fitting if by_topic[t].focus_area == expected[t][0]]
    inquiry = sum(by_topic[t].inquiry_area == expected[t][1] for t in assigned_right if expected[t][1])
    assert inquiry >= min_inquiry
    for t in fitting:  # a focus area is never given with an inquiry area from another focus area
        m = by_topic[t]
        if m.inquiry_area is not None:
            area = next(a for a in WORKING_UP.focus_areas if a.key == m.focus_area)
            assert m.inquiry_area in {i.key for i in area.inquiry_areas}


def test_hand_grouped_topics_land_in_their_focus_areas(sample, topics):
    check_mapping(mapped_topics(sample, topics))


def test_a_theme_with_nothing_in_common_fits_nowhere():
    quote = Quote(1, "The stadium parking lot needs more trees.", 0, 40)
    theme = Theme(1, "stadium, parking", ("stadium", "parking", "trees"), (1,), (quote,), 1.0)
    (match,) = map_to_focus_areas([theme], WORKING_UP)
    assert match.focus_area is None
    assert match.inquiry_area is None
    assert [key for key, _ in match.focus_scores] != []
    assert match.to_dict()["focus_area"] is None


def test_no_focus_areas_or_no_themes():
    empty = DialogueDefinition("x", "X", "", (), (), ())
    quote = Quote(1, "child care", 0, 10)
    (match,) = map_to_focus_areas([Theme(1, "c", ("child care",), (1,), (quote,), 1.0)], empty)
    assert match.focus_area is None
    assert map_to_focus_areas([], WORKING_UP) == ()

"""The duplicate warning on the submission form: the cases of issue 19, and its precision and recall on the
labelled pairs of benchmarks/themes (English paraphrases; other scripts, mixed scripts and links)."""

from __future__ import annotations

from benchmarks.themes.duplicate_warning import english_pairs, measure, script_and_link_pairs

from workingup.services.duplicates import find_duplicate

DIALOGUE = [
    (1, "Workers deserve better pay."),
    (2, "الشر evil هو عنوان الفيلم الذي شاهدناه في المكتبة يوم الجمعة."),
    (3, "Public transit should run later at night."),
    (4, "Child care should be affordable for every family."),
]


def test_one_shared_word_or_a_link_is_not_a_duplicate() -> None:
    """Issue 19: an English statement matched an unrelated Arabic one sharing only "evil", and a statement with a
    link matched "Workers deserve better pay." through the words the link spells."""
    assert (
        find_duplicate("Evil landlords should not be allowed to evict families in winter.", DIALOGUE) is None
    )
    assert find_duplicate("Read more at https://workers.example.org/better-pay-now", DIALOGUE) is None
    assert find_duplicate("See https://example.org/workers/deserve/better/pay", DIALOGUE) is None


def test_duplicates_in_other_scripts_and_with_links_are_still_found() -> None:
    existing = [*DIALOGUE, (5, "يجب رفع الحد الأدنى للأجور."), (6, "最低工资应该提高。")]
    assert find_duplicate("يجب رفع الحد الأدنى للأجور فوراً.", existing) == 5
    assert find_duplicate("应该提高最低工资。", existing) == 6
    assert find_duplicate("Workers deserve better pay, see https://example.org/study", existing) == 1


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    """Floors a little under the figures in benchmarks/themes/README.md (one order of arrival here): before the
    fix, other scripts and links gave precision 0.27 and recall 0.30."""
    scripts = measure(script_and_link_pairs())
    assert scripts.precision >= 0.55, scripts.wrong
    assert scripts.recall >= 0.8, scripts.missed
    english = measure(english_pairs())
    assert english.precision >= 0.35
    assert english.recall >= 0.6

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workingup.themes import ContributionFormatError, parse_contributions, read_contributions
from workingup.themes.contributions import MAX_CONTRIBUTION_CHARS


def parse_csv(text: str):
    return parse_contributions(text, format="csv", name="session.csv")


def error_of(text: str, format: str = "csv") -> ContributionFormatError:
    with pytest.raises(ContributionFormatError) as caught:
        parse_contributions(text, format=format, name="session.csv")
    return caught.value


def test_plain_text_one_contribution_per_line_blank_lines_skipped(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Child care costs too much.\n\n  The bus stops at 7.  \n", encoding="utf-8")
    contributions = read_contributions(path)
    assert [(c.id, c.text, c.line, c.speaker) for c in contributions] == [
        (1, "Child care costs too much.", 1, None),
        (2, "The bus stops at 7.", 3, None),
    ]


def test_csv_with_ids_speakers_and_demographics(tmp_path):
    path = tmp_path / "session.csv"
    path.write_text(
        "ID,Speaker,Text,Age band\n"
        'a1,P1,"Daycare costs more than rent, honestly.",25-34\n'
        "a2,P2,My hours change every week.,\n"
        "a3,P1,I never see my kids.,\n",
        encoding="utf-8",
    )
    contributions = read_contributions(path)
    assert [c.id for c in contributions] == ["a1", "a2", "a3"]
    assert contributions[0].text == "Daycare costs more than rent, honestly."
    # The speaker's profile is merged over all of that speaker's rows.
    assert contributions[2].attributes == (("Age band", "25-34"),)
    assert contributions[1].attributes == ()
    assert [c.line for c in contributions] == [2, 3, 4]


def test_csv_without_id_column_numbers_rows_and_keeps_quoted_newlines():
    contributions = parse_csv('text\n"first line\nsecond line"\nanother\n')
    assert [(c.id, c.line) for c in contributions] == [(1, 2), (2, 4)]
    assert contributions[0].text == "first line\nsecond line"


def test_byte_order_mark_is_accepted():
    contributions = parse_contributions("\ufefftext\nhello there\n".encode(), format="csv")
    assert contributions[0].text == "hello there"


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("speaker,body\nP1,hi\n", 1, "missing column 'text'"),
        ("text,text\na,b\n", 1, "duplicate column 'text'"),
        ("id,text\n1,fine\n1,again\n", 3, "duplicate id '1' (first on line 2)"),
        ("id,text\n1,fine\n,no id\n", 3, "empty id"),
        ("speaker,text\nP1,fine\nP2,  \n", 3, "has no text"),
        ("id,text\n1,fine\n2,too,many\n", 3, "has 3 fields, expected 2"),
        ("text,age\nfine,30\n", 1, "no 'speaker' column"),
        ("speaker,text,age\nP1,fine,30\nP1,again,31\n", 3, "'age' '31' here but '30' on line 2"),
        ("speaker,text,age\n,fine,30\n", 2, "gives demographics but no speaker"),
        ('text\n"unterminated\n', 2, "malformed CSV"),
        ('text\n"unterminated\n', 2, "is the file truncated, or a quotation mark left open?"),
        ('text\n"left open\n' + "and the text goes on\n" * 7000, 2, "a quotation mark left open, so that"),
    ],
)
def test_csv_errors_name_the_line_and_problem(content, line, fragment):
    error = error_of(content)
    assert error.file == "session.csv"
    assert error.line == line
    assert fragment in error.problem
    if "field limit" in error.problem:  # issue 19: an over-long field was "is the file truncated?"
        assert "truncated" not in error.problem


def test_too_long_contribution_is_refused_not_truncated():
    error = error_of("text\n" + "x" * (MAX_CONTRIBUTION_CHARS + 1) + "\n")
    assert error.line == 2
    assert "at most" in error.problem


def test_invalid_utf8_names_the_line():
    with pytest.raises(ContributionFormatError) as caught:
        parse_contributions(b"text\nok\nbad \xff byte\n", format="csv", name="x.csv")
    assert caught.value.line == 3
    assert "UTF-8" in caught.value.problem


def test_nul_bytes_and_empty_inputs_are_refused():
    assert "NUL" in error_of("one\ntwo\x00\n", format="text").problem
    assert error_of("one\ntwo\x00\n", format="text").line == 2
    assert "no contributions" in error_of("\n   \n", format="text").problem
    assert "no contributions" in error_of("text\n").problem
    assert "empty" in error_of("").problem


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(ContributionFormatError, match="unknown file type"):
        read_contributions(tmp_path / "notes.docx")
    with pytest.raises(ContributionFormatError, match="missing"):
        read_contributions(tmp_path / "absent.csv")
    odd = tmp_path / "notes.md"
    odd.write_text("a line\n", encoding="utf-8")
    assert read_contributions(odd, format="text")[0].text == "a line"


def test_all_or_nothing_a_late_error_yields_nothing():
    rows = "text\n" + "".join(f"contribution {i}\n" for i in range(500)) + '"\n'
    with pytest.raises(ContributionFormatError):
        parse_csv(rows)


texts = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n,\"'"),
        min_size=1,
        max_size=80,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, st.sampled_from(["P1", "P2", ""])), min_size=1, max_size=12))
def test_any_csv_written_by_the_csv_module_reads_back_verbatim(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["speaker", "text"])
    writer.writerows([speaker, text] for text, speaker in rows)
    contributions = parse_csv(buffer.getvalue())
    assert [c.text for c in contributions] == [text for text, _ in rows]
    assert [c.speaker for c in contributions] == [speaker or None for _, speaker in rows]

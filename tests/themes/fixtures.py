"""Test data for the themes package: a small Working Up dialogue definition and the labelled sample.

The definition mirrors docs/architecture.md §1 (focus areas and inquiry areas) with a few seed statements written for
these tests; the shipped dialogue file has its own. The labels are hand-assigned topics of the illustrative
listening sample, and the focus area each topic belongs to (None: the dialogue has no area for it).
"""

from __future__ import annotations

import csv
from pathlib import Path

from workingup.domain import DialogueDefinition, FocusArea, InquiryArea, SeedStatement, StatementKind

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "themes" / "data"


def _seed(text: str, focus: str, inquiry: str, kind: StatementKind = StatementKind.PROPOSAL) -> SeedStatement:
    return SeedStatement(text=text, focus_area=focus, kind=kind, inquiry_area=inquiry)


WORKING_UP = DialogueDefinition(
    slug="working-up-test",
    title="Working Up (test definition)",
    description="A convergence dialogue for action to increase economic mobility.",
    ground_rules=("All views are honoured.",),
    focus_areas=(
        FocusArea(
            key="work_opportunity",
            title="Work Opportunity and Workforce Development",
            description="Post-secondary and career readiness; career access; career success and resiliency.",
            inquiry_areas=(
                InquiryArea("readiness", "Post-secondary and career readiness"),
                InquiryArea("career_access", "Career access"),
                InquiryArea("career_success", "Career success and resiliency"),
            ),
        ),
        FocusArea(
            key="quality_work",
            title="Creating and Enhancing Quality Work",
            description=(
                "Conditions of work that enhance mobility (child care, paid leave, scheduling practices), with "
                "responsibility shared across workers, employers, intermediaries, government and others."
            ),
            inquiry_areas=(
                InquiryArea("conditions", "Conditions of work: child care, paid leave, scheduling practices"),
                InquiryArea(
                    "shared_responsibility", "Responsibility shared by workers, employers and government"
                ),
            ),
        ),
        FocusArea(
            key="financial_security",
            title="Building and Maintaining Financial Security",
            description=(
                "Savings and debt reduction; financial skills; affordability of education and training; "
                "reduction of income volatility."
            ),
            inquiry_areas=(
                InquiryArea("savings_debt", "Savings and debt reduction"),
                InquiryArea("financial_skills", "Financial skills"),
                InquiryArea("affordability", "Affordability of education and training"),
                InquiryArea("income_volatility", "Reduction of income volatility"),
            ),
        ),
    ),
    sectors=(),
    statements=(
        _seed(
            "Community colleges should align courses with local employers' hiring needs.",
            "work_opportunity",
            "readiness",
        ),
        _seed(
            "Apprenticeships and paid work-based learning should be expanded.",
            "work_opportunity",
            "readiness",
        ),
        _seed(
            "Employers should hire on demonstrated skills rather than degrees alone.",
            "work_opportunity",
            "career_access",
        ),
        _seed(
            "People with a criminal record should have a fair chance at a job and a license.",
            "work_opportunity",
            "career_access",
        ),
        _seed(
            "Entry-level workers need clear paths to promotion with training at each step.",
            "work_opportunity",
            "career_success",
        ),
        _seed(
            "Employers should offer stable, predictable schedules with advance notice.",
            "quality_work",
            "conditions",
        ),
        _seed(
            "Every worker should be able to earn paid sick days and paid family leave.",
            "quality_work",
            "conditions",
        ),
        _seed(
            "Affordable child care that matches parents' work hours should be available.",
            "quality_work",
            "conditions",
        ),
        _seed(
            "Employers, government and workers should share the cost of better working conditions.",
            "quality_work",
            "shared_responsibility",
        ),
        _seed(
            "Workers should be able to build emergency savings through their employer.",
            "financial_security",
            "savings_debt",
        ),
        _seed(
            "High-cost payday and title loans trap families in debt.", "financial_security", "savings_debt"
        ),
        _seed("Financial coaching helps families budget and plan.", "financial_security", "financial_skills"),
        _seed(
            "Training and college should be affordable without crushing student loans.",
            "financial_security",
            "affordability",
        ),
        _seed(
            "Families need protection from swings in monthly income.",
            "financial_security",
            "income_volatility",
        ),
        _seed(
            "Public benefits should phase out gradually so a raise never leaves a family worse off.",
            "financial_security",
            "income_volatility",
        ),
    ),
)


def sample_topics() -> dict[str, str]:
    with open(DATA / "listening_sample_topics.csv", newline="", encoding="utf-8") as handle:
        return {row["id"]: row["topic"] for row in csv.DictReader(handle)}


def topic_focus_areas() -> dict[str, tuple[str | None, str | None]]:
    """Topic → (focus area key, inquiry area key); empty cells mean "fits none" / "any inquiry area"."""
    with open(DATA / "topic_focus_areas.csv", newline="", encoding="utf-8") as handle:
        return {
            row["topic"]: (row["focus_area"] or None, row["inquiry_area"] or None)
            for row in csv.DictReader(handle)
        }


def paraphrase_pairs() -> list[dict[str, str]]:
    with open(DATA / "paraphrase_pairs.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))

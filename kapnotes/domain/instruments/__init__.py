"""Outcome-measure instruments (PHQ-9, GAD-7, PCL-5 and clinic-supplied ones).

Instruments are data: JSON files validated by pydantic models (``model``), read by
``loader`` and scored by ``scoring`` with a small declarative rule engine. Nothing
here imports Qt or SQLAlchemy, and nothing in an instrument file is executed.
"""

from kapnotes.domain.instruments.errors import AnswerError, InstrumentError
from kapnotes.domain.instruments.loader import (
    LoadedInstruments,
    bundled_instruments_dir,
    load_instrument_file,
    load_instruments,
    parse_instrument,
)
from kapnotes.domain.instruments.model import (
    AllCondition,
    AnswerOption,
    AnyCondition,
    Band,
    Cluster,
    Condition,
    CountCondition,
    Flag,
    InstrumentSpec,
    Item,
    ItemCondition,
    Rule,
    ScoreCondition,
    Scoring,
    SubscaleCondition,
)
from kapnotes.domain.instruments.scoring import (
    RaisedFlag,
    RuleOutcome,
    ScoreResult,
    check_answers,
    score,
)

__all__ = [
    "AllCondition",
    "AnswerError",
    "AnswerOption",
    "AnyCondition",
    "Band",
    "Cluster",
    "Condition",
    "CountCondition",
    "Flag",
    "InstrumentError",
    "InstrumentSpec",
    "Item",
    "ItemCondition",
    "LoadedInstruments",
    "RaisedFlag",
    "Rule",
    "RuleOutcome",
    "ScoreCondition",
    "ScoreResult",
    "Scoring",
    "SubscaleCondition",
    "bundled_instruments_dir",
    "check_answers",
    "load_instrument_file",
    "load_instruments",
    "parse_instrument",
    "score",
]

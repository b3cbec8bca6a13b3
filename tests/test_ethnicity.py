import pytest

from erreview.ethnicity import EthnicityError, classify, ethnicity_table
from erreview.vocab import BroadGroup, WresGroup

CASES = [
    ("A", BroadGroup.WHITE, WresGroup.WHITE),
    ("b White - Irish", BroadGroup.WHITE, WresGroup.WHITE),
    ("C3", BroadGroup.WHITE, WresGroup.WHITE),
    ("ca", BroadGroup.WHITE, WresGroup.WHITE),
    ("D", BroadGroup.MIXED, WresGroup.BME),
    ("GF", BroadGroup.MIXED, WresGroup.BME),
    ("H Indian", BroadGroup.ASIAN, WresGroup.BME),
    ("LH Asian British", BroadGroup.ASIAN, WresGroup.BME),
    ("k", BroadGroup.ASIAN, WresGroup.BME),
    ("M", BroadGroup.BLACK, WresGroup.BME),
    ("PD", BroadGroup.BLACK, WresGroup.BME),
    ("R", BroadGroup.OTHER, WresGroup.BME),
    ("SE", BroadGroup.OTHER, WresGroup.BME),
    ("Z", BroadGroup.NOT_STATED, WresGroup.UNKNOWN),
    ("99", BroadGroup.NOT_STATED, WresGroup.UNKNOWN),
    ("", BroadGroup.NOT_STATED, WresGroup.UNKNOWN),
    ("   ", BroadGroup.NOT_STATED, WresGroup.UNKNOWN),
    (None, BroadGroup.NOT_STATED, WresGroup.UNKNOWN),
    ("  n   Black African ", BroadGroup.BLACK, WresGroup.BME),
]


@pytest.mark.parametrize(("value", "broad", "wres"), CASES)
def test_classify(value, broad, wres):
    category = classify(value)
    assert (category.broad_group, category.wres_group) == (broad, wres)


@pytest.mark.parametrize(
    "value",
    [
        "X",
        "T",
        "I",
        "O",
        "Q",
        "U",
        "V",
        "W",
        "Y",
        "White",
        "9",
        "999",
        "A12",
        "White British",
        "Black",
        "-",
        "A-",
        "1A",
        "Z9x",
    ],
)
def test_anything_else_is_an_error(value):
    with pytest.raises(EthnicityError, match="not an NHS ethnic category code"):
        classify(value)


def test_table_is_versioned_data_with_every_contract_code():
    table = ethnicity_table()
    assert table.version != "unversioned"
    assert set(table.categories) == set("ABCDEFGHJKLMNPRSZ") | {"99"}

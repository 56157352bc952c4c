import pytest

from regen.core.errors import RegenError
from regen.speech.text.normalize import normalize
from regen.speech.text.numbers import cardinal, ordinal, year


@pytest.mark.parametrize("text, expected", [
    ("I have 3 cats.", "i have three cats."),
    ("It was 1,234,567 miles.", "it was one million two hundred thirty-four thousand five hundred sixty-seven miles."),
    ("Pi is 3.14", "pi is three point one four"),
    ("He came 1st, she came 22nd.", "he came first, she came twenty-second."),
    ("It cost $5.50 and £1.", "it cost five dollars and fifty cents and one pound."),
    ("Only 12% left", "only twelve percent left"),
    ("In 1984 and 1905 and 2000.", "in nineteen eighty-four and nineteen oh five and two thousand."),
    ("Dr. Smith met Mr. Jones on St. James St.", "doctor smith met mister jones on saint james saint"),
    ("Salt & pepper, e.g. spice.", "salt and pepper, for example spice."),
    ("\u201cCaf\u00e9\u201d \u2014 na\u00efve!", "cafe - naive!"),
    ("  Lots   of\tspace  ", "lots of space"),
])
def test_normalize_cases(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_casing_kept_on_request() -> None:
    assert normalize("Dr. Who paid $2.", lowercase=False) == "Doctor Who paid two dollars."


def test_numbers() -> None:
    assert cardinal(0) == "zero" and cardinal(101) == "one hundred one" and cardinal(-7) == "minus seven"
    assert ordinal(12) == "twelfth" and ordinal(30) == "thirtieth" and ordinal(101) == "one hundred first"
    assert year(1066) == "ten sixty-six" and year(2005) == "two thousand five"


def test_overrides_pass_through_untouched() -> None:
    assert normalize("Say {HH AH0 L OW1} 2 times") == "say {HH AH0 L OW1} two times"


@pytest.mark.parametrize("text, message", [("hello \u5b57", "CJK"), ("a { b", "unbalanced"), ("costs \u20ac", "currency")])
def test_unsupported_input_is_a_one_line_error(text: str, message: str) -> None:
    with pytest.raises(RegenError, match=message) as err:
        normalize(text)
    assert "\n" not in str(err.value)

"""English number words: cardinals, ordinals, years, decimals and money."""

from __future__ import annotations

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                 "nine": "ninth", "twelve": "twelfth"}


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(TENS[tens] + (f"-{ONES[ones]}" if ones else ""))
    elif rest or not words:
        words.append(ONES[rest])
    return words


def cardinal(n: int) -> str:
    """12345 -> 'twelve thousand three hundred forty-five' (negatives: 'minus …')."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n >= 10**15:
        return " ".join(digits(str(n)))
    words: list[str] = []
    for value, name in SCALES:
        if n >= value:
            words += _below_thousand(n // value) + [name]
            n %= value
    if n or not words:
        words += _below_thousand(n)
    return " ".join(words)


def ordinal(n: int) -> str:
    """21 -> 'twenty-first'."""
    words = cardinal(n)
    head, sep, last = words.rpartition(" ")
    stem_sep = "-" if "-" in last else ""
    stem, _, tail = last.rpartition("-") if stem_sep else ("", "", last)
    if tail in ORDINAL_WORDS:
        tail = ORDINAL_WORDS[tail]
    elif tail.endswith("y"):
        tail = tail[:-1] + "ieth"
    else:
        tail += "th"
    last = f"{stem}{stem_sep}{tail}"
    return f"{head}{sep}{last}"


def year(n: int) -> str:
    """1984 -> 'nineteen eighty-four', 1905 -> 'nineteen oh five', 2000 -> 'two thousand'."""
    if not 1000 <= n <= 2999 or (2000 <= n <= 2009):
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    return f"{cardinal(high)} {'oh ' + ONES[low] if low < 10 else cardinal(low)}"


def digits(text: str) -> list[str]:
    """'314' -> ['three', 'one', 'four']."""
    return [ONES[int(c)] for c in text]


def decimal(text: str) -> str:
    """'3.14' -> 'three point one four'; '1,000.5' -> 'one thousand point five'."""
    whole, _, frac = text.replace(",", "").partition(".")
    words = cardinal(int(whole or "0"))
    return f"{words} point {' '.join(digits(frac))}" if frac else words


CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
              "€": ("euro", "euros", "cent", "cents")}


def money(symbol: str, amount: str) -> str:
    """('$', '5.50') -> 'five dollars and fifty cents'; ('£', '1') -> 'one pound'."""
    one, many, sub_one, sub_many = CURRENCIES[symbol]
    whole_text, _, frac_text = amount.replace(",", "").partition(".")
    whole = int(whole_text or "0")
    cents = int((frac_text + "00")[:2]) if frac_text else 0
    parts = []
    if whole or not cents:
        parts.append(f"{cardinal(whole)} {one if whole == 1 else many}")
    if cents:
        parts.append(f"{cardinal(cents)} {sub_one if cents == 1 else sub_many}")
    return " and ".join(parts)

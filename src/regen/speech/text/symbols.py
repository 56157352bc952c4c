"""Symbol vocabularies with integer ids: characters and ARPAbet phones.

Id 0 is padding in both. Characters cover normalised, lower-cased text (see
`regen.speech.text.normalize`); phones are the 39 ARPAbet phonemes of the CMU
dictionary with lexical stress (0, 1, 2) on the 15 vowels: 69 phones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from regen.core.errors import RegenError

PAD = "<pad>"
VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW")
CONSONANTS = ("B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R", "S", "SH", "T",
              "TH", "V", "W", "Y", "Z", "ZH")


class Vocabulary:
    """An ordered symbol set; `ids` and `symbols` convert both ways."""

    def __init__(self, name: str, symbols: Sequence[str]) -> None:
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"vocabulary {name} has duplicate symbols")
        self.name = name
        self.symbols = tuple(symbols)
        self._index = {s: i for i, s in enumerate(self.symbols)}

    def __len__(self) -> int:
        return len(self.symbols)

    def __contains__(self, symbol: str) -> bool:
        return symbol in self._index

    def id(self, symbol: str) -> int:
        """The id of one symbol; RegenError for an unknown one."""
        try:
            return self._index[symbol]
        except KeyError:
            raise RegenError(f"'{symbol}' is not in the {self.name} vocabulary") from None

    def ids(self, symbols: Iterable[str]) -> list[int]:
        """Ids of a symbol sequence."""
        return [self.id(s) for s in symbols]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Symbols of an id sequence (padding included)."""
        return [self.symbols[int(i)] for i in ids]


CHARS = Vocabulary("character", [PAD, *"abcdefghijklmnopqrstuvwxyz", " ", *".,?!;:-'"])
PHONES = Vocabulary("phone", [PAD, *(f"{v}{s}" for v in VOWELS for s in "012"), *CONSONANTS])


def check_phones(phones: Sequence[str], where: str) -> tuple[str, ...]:
    """Validate ARPAbet symbols (vowels need a stress digit); returns them as a tuple."""
    for phone in phones:
        if phone not in PHONES or phone == PAD:
            hint = f"; vowels need a stress digit, e.g. {phone}1" if phone in VOWELS else ""
            raise RegenError(f"'{phone}' in {where} is not an ARPAbet phone{hint}")
    return tuple(phones)

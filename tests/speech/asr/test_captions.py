"""SubRip and WebVTT as players read them."""

from regen.speech.asr.captions import Caption, srt, vtt

CAPTIONS = [Caption(0.12, 2.5, "hear ye"), Caption(2.9, 3.0, " "), Caption(3661.0015, 3662.25, "and it was so")]


def test_srt_numbers_blocks_with_comma_milliseconds_and_skips_empty_text() -> None:
    assert srt(CAPTIONS) == ("1\n00:00:00,120 --> 00:00:02,500\nhear ye\n\n"
                             "2\n01:01:01,002 --> 01:01:02,250\nand it was so\n\n")


def test_vtt_has_its_header_and_dot_milliseconds() -> None:
    assert vtt(CAPTIONS).startswith("WEBVTT\n\n00:00:00.120 --> 00:00:02.500\nhear ye\n\n01:01:01.002")

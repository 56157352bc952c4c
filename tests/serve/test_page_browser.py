"""The served page in headless Chromium (Debian's chromium + chromium-driver, through selenium): type a
sentence and press Speak, upload a recording and press Transcribe, upload a melody and press Harmonize;
each answer appears playable or readable in the page. A screenshot goes to out/serve-page.png."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.serve.conftest import Server, melody_midi, speech_wav

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def browser() -> webdriver.Chrome:
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        raise AssertionError("Chromium and ChromeDriver are needed; run `make debs` (Debian packages chromium "
                             "and chromium-driver) and rerun this test")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=1100,2600"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(options=options, service=Service(driver))
    yield chrome
    chrome.quit()


def _wait(browser: webdriver.Chrome, script: str, what: str, seconds: float = 120) -> object:
    """Wait until `script` (a JS expression) is truthy; fail with the page's status lines otherwise."""
    def check(_: object) -> object:
        return browser.execute_script(f"return {script};")
    try:
        return WebDriverWait(browser, seconds, poll_frequency=0.25).until(check)
    except Exception:
        statuses = browser.execute_script("return [...document.querySelectorAll('.status')].map(e => e.id + ': ' "
                                          "+ e.textContent)")
        raise AssertionError(f"{what} did not happen; the page says {statuses}") from None


def test_speak_transcribe_harmonize_in_the_page(server: Server, browser: webdriver.Chrome, tmp_path: Path) -> None:
    browser.get(server.url + "/")
    assert browser.title.startswith("regen")
    text = browser.find_element(By.ID, "say-text")
    text.clear()
    text.send_keys("Meet me at the station at noon.")
    Select(browser.find_element(By.ID, "say-model")).select_by_value("speech/duration-tiny")
    Select(browser.find_element(By.ID, "say-voice")).select_by_value("festival:kal")
    browser.find_element(By.ID, "say-button").click()
    seconds = _wait(browser, "document.getElementById('say-audio').src.startsWith('blob:') && "
                             "document.getElementById('say-audio').duration", "speech playback")
    assert 1.0 < float(seconds) < 6.0

    recording = speech_wav(server.url, tmp_path / "noon.wav")
    browser.find_element(By.ID, "asr-file").send_keys(str(recording))
    browser.find_element(By.ID, "asr-button").click()
    heard = _wait(browser, "document.getElementById('asr-text').textContent", "a transcript")
    assert "station" in str(heard)
    assert "–" in browser.find_element(By.ID, "asr-srt").text  # timed segments

    melody = melody_midi(tmp_path / "tune.mid")
    browser.find_element(By.ID, "harm-file").send_keys(str(melody))
    browser.find_element(By.ID, "harm-button").click()
    width = _wait(browser, "document.getElementById('harm-image').complete && "
                           "document.getElementById('harm-image').naturalWidth", "a harmonization picture")
    assert int(width) > 200
    assert float(_wait(browser, "document.getElementById('harm-audio').duration", "harmonization audio")) > 2
    links = browser.find_elements(By.CSS_SELECTOR, "#harm-links a")
    assert [a.get_attribute("download") for a in links] == ["harmonized.musicxml", "harmonized.mid"]

    errors = browser.execute_script("return [...document.querySelectorAll('.status.error')].map(e => e.textContent)")
    assert not errors, errors
    (ROOT / "out").mkdir(exist_ok=True)
    browser.save_screenshot(str(ROOT / "out" / "serve-page.png"))

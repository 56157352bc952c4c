"""Lyrics -> melody: template regeneration (TeleMelody's two stages) against Direct, by paired share.

Trains what is missing under --runs: music/melody-tiny (renderer on every training melody without
lyrics, converter on the paired share) and music/melody-direct-tiny (the paired share only) at each
share of --fractions; the renderer does not depend on the share, so it is trained once and copied to
the other shares' runs. Runs are locked while they train, so a second process can train some of them
(`--configs melody-direct-tiny --fractions 0.1`: rows printed, nothing appended) while this one trains
the rest. Each checkpoint is evaluated afresh on the held-out songs (`regen.music.melody.evaluation`): PD, DD, MD as TeleMelody reports them, rhythm-syllable alignment,
stressed syllables on strong beats, cadence accuracy, in-key ratio and the grader's one-voice
distances. Two reference rows go through the same pipeline: the real melodies themselves (written
as tokens and read back), and each lyric sung to the real melody of a held-out segment of another
song with as many notes (what a real but unrelated melody scores; lyrics without such a segment are
left out of that row, which gives its count). The last lines say, metric by metric, which method is closer to
the real melodies at the smallest share.

    python benchmarks/music_melody.py [--fractions 1 0.25 0.1] [--runs runs/bench-melody] [--fresh]
        [--set trainer.threads=1] [--configs melody-tiny melody-direct-tiny]
"""

from __future__ import annotations

import argparse
import fcntl
import shutil
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import add_common_options, emit  # noqa: E402

from regen.core.provenance import seed_everything  # noqa: E402
from regen.core.run_config import RunConfig, load_run_config  # noqa: E402
from regen.core.task import get_task, load_model  # noqa: E402
from regen.music.melody.evaluation import melody_metrics, one_voice_reference  # noqa: E402
from regen.music.melody.segments import Segment  # noqa: E402
from regen.music.melody.task import heldout, heldout_rows, prepare  # noqa: E402
from regen.music.melody.tokens import decode_notes, notes_tokens  # noqa: E402
from regen.train.run import train_run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"melody-tiny": "regeneration (lyrics -> template -> melody)", "melody-direct-tiny": "Direct (lyrics -> melody)"}
COLUMNS = [("pd", "PD ↑", "{:.3f}"), ("dd", "DD ↑", "{:.3f}"), ("md", "MD ↓", "{:.2f}"),
           ("alignment", "alignment ↑", "{:.3f}"), ("stress_on_strong", "stress on strong", "{:.3f}"),
           ("cadence", "cadence ↑", "{:.3f}"), ("in_key", "in key", "{:.3f}"),
           ("note_distance", "note dist ↓", "{:.3f}"), ("interval_distance", "interval dist ↓", "{:.3f}")]
HIGHER_IS_CLOSER = {"pd": True, "dd": True, "md": False, "alignment": True}


def config(name: str, share: float, overrides: list[str]) -> RunConfig:
    return load_run_config(f"music/{name}", [f"data.paired_fraction={share}", "trainer.progress=false", *overrides])


def train(name: str, share: float, runs: Path, fresh: bool, renderer_from: Path | None, overrides: list[str]) -> Path:
    """The checkpoint of `name` at `share`, trained unless it exists (a finished renderer phase is copied)."""
    run = runs / f"{name}-{share:g}"
    runs.mkdir(parents=True, exist_ok=True)
    with (runs / f"{run.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process training this run: wait for it, then reuse
        if fresh:
            shutil.rmtree(run, ignore_errors=True)
        ckpt = run / "checkpoint"
        if ckpt.exists():
            return ckpt
        run.mkdir(parents=True, exist_ok=True)
        if renderer_from is not None and (renderer_from / "renderer" / "weights.safetensors").exists() \
                and not (run / "renderer").exists():
            shutil.copytree(renderer_from / "renderer", run / "renderer")
        return train_run(config(name, share, overrides), run, resume=any(run.iterdir()), out=ckpt, evaluate=False)


def cells(metrics: dict[str, float]) -> str:
    return " | ".join(fmt.format(metrics[key]) for key, _, fmt in COLUMNS)


def another_song(segments: list[Segment], songs: list[int]) -> tuple[list[Segment], list[Segment]]:
    """(lyric segments, melodies): each lyric paired with the first later segment (cyclically) of another
    song with as many notes, that melody carrying the lyric's syllables; lyrics without one are left out."""
    lyrics, melodies = [], []
    for i, segment in enumerate(segments):
        for j in [*range(i + 1, len(segments)), *range(i)]:
            if songs[j] != songs[i] and len(segments[j]) == len(segment):
                lyrics.append(segment)
                melodies.append(replace(segments[j], syllables=segment.syllables))
                break
    return lyrics, melodies


def reference_rows(cfg: RunConfig) -> list[str]:
    """The real held-out melodies through tokens and back, and each lyric sung to another song's melody."""
    segments, _ = heldout(cfg)
    data = prepare(cfg.data, with_notes=False)
    reference = one_voice_reference(data.paired["all_train"])
    same = [replace(decode_notes(notes_tokens(s, cfg.data.length)), syllables=s.syllables) for s in segments]
    lyrics, others = another_song(segments, [data.heldout_song[k] for k in heldout_rows(cfg)])
    dashes = " | - | - | - | - |"
    return [f"| real melody (n={len(segments)}) | - | - | {cells(melody_metrics(same, segments, reference))}{dashes}",
            f"| real melody of another song (n={len(lyrics)}) | - | - | "
            f"{cells(melody_metrics(others, lyrics, reference))}{dashes}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.25, 0.1])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "bench-melody")
    parser.add_argument("--fresh", action="store_true", help="retrain instead of reusing finished runs")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="config override for every training, e.g. trainer.threads=1 (repeatable)")
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS),
                        help="train and score only these (rows are printed; the table is appended only with all)")
    add_common_options(parser)
    args = parser.parse_args()
    from regen.core.threads import apply_threads

    apply_threads(args.threads)
    task = get_task("music-melody")
    header = ("| method | paired share | paired songs | " + " | ".join(title for _, title, _ in COLUMNS)
              + " | params | steps | train s | segments |")
    lines = [header, "|" + "---|" * (len(COLUMNS) + 7)]
    lines += reference_rows(config("melody-tiny", 1.0, args.overrides))
    found: dict[tuple[str, float], dict[str, float]] = {}
    for name, label in CONFIGS.items():
        if name not in args.configs:
            continue
        first = None
        for share in args.fractions:
            ckpt = train(name, share, args.runs, args.fresh, first if name == "melody-tiny" else None, args.overrides)
            first = first or ckpt.parent
            model, cfg, meta = load_model(ckpt, task="music-melody")
            seed_everything(cfg.seed)
            metrics = found[(name, share)] = task.evaluate(cfg, model)
            phases = meta["phases"].values()
            lines.append(f"| {label} | {share:g} | {meta['data']['paired_songs_used']} | {cells(metrics)} | "
                         f"{meta['parameters'] / 1e6:.2f}M | {sum(p['steps'] for p in phases)} | "
                         f"{sum(p['seconds'] for p in phases):.0f} | {meta['data']['paired_segments']} |")
            print(lines[-1], flush=True)
    if set(args.configs) != set(CONFIGS):
        print("\n".join(lines))
        return
    low = min(args.fractions)
    regen, direct = found[("melody-tiny", low)], found[("melody-direct-tiny", low)]
    closer = {key: (regen[key] > direct[key]) == higher for key, higher in HIGHER_IS_CLOSER.items()
              if regen[key] != direct[key]}
    names = {key: title.split()[0] for key, title, _ in COLUMNS}
    verdict = [f"At the smallest paired share ({low:g}), of PD, DD, MD and alignment: regeneration is closer to the "
               f"real melodies on {', '.join(names[k] for k, v in closer.items() if v) or 'none'}; Direct on "
               f"{', '.join(names[k] for k, v in closer.items() if not v) or 'none'}."]
    emit("Music: lyrics -> melody, template regeneration against Direct by paired share", lines + [
        "", *verdict, "",
        "Held-out songs' segments (at most 32 syllables, cut at phrase ends), one melody each at the config's "
        "temperature, in the song's key and meter. PD/DD: overlap of the pitch/duration histograms with the real "
        "melody's (1 = same); MD: TeleMelody's DTW distance of mean-centred pitch lines (0 = same); alignment: "
        "share of syllables starting at the real note's position in the bar; stress on strong: stressed syllables "
        "of polysyllabic words on accent weight >= 0.5; cadence: lyric phrase ends sung on a musical phrase end "
        "(on the tonic at . ! ?); in key: notes in the scale; note/interval dist: the Bach-or-Mock grader's "
        "distance of the pooled one-voice histograms to the real training melodies'. The renderer trains on every "
        "training melody read note by note without lyrics, the converter and Direct on the paired share only; "
        "the renderer is trained once and shared across shares but its seconds count in every regeneration row."],
        args.no_append)


if __name__ == "__main__":
    main()

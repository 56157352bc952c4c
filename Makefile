# Two commands: `make demo` and `make test`. Both bootstrap .venv on a fresh machine.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
REGEN  := $(VENV)/bin/regen
STAMP  := $(VENV)/.regen-installed
DEBS   := espeak-ng festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts flite sox chromium chromium-driver fonts-noto-cjk
# Tiny models gain nothing from more threads, and oversubscribed OpenMP threads spin.
export OMP_NUM_THREADS ?= 1

.PHONY: demo test install debs assets image-assets music-assets speech-assets text-assets clean-tree clean

demo: install
	$(REGEN) demo --out out

# Two workers, one test file each at a time (module fixtures stay in one process); one thread each.
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

install: $(STAMP) debs

$(PY):
	python3 -m venv $(VENV)

# torch first (the CPU build here); a torch you installed yourself (e.g. CUDA) is kept.
$(STAMP): pyproject.toml | $(PY)
	@if $(PY) -c "import torch" 2>/dev/null; then \
		echo "keeping the installed torch $$($(PY) -c 'import torch; print(torch.__version__)')"; \
	else $(PIP) install -q torch==2.13.0; fi
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

debs:
	@scripts/install-debs.sh $(DEBS)

# Retrain every shipped checkpoint from its config (seeded); see src/regen/assets/*/*/meta.json.
# Each meta.json names the commit that made it, so the tree must be clean (ALLOW_DIRTY=1 overrides).
assets: image-assets music-assets speech-assets text-assets

image-assets: install clean-tree
	$(REGEN) image classifier
	for name in digits-pool-tiny digits-vq-tiny digits-direct-tiny; do \
		rm -rf runs/assets/$$name; \
		$(REGEN) train image/$$name --run-dir runs/assets/$$name --out src/regen/assets/image/$$name || exit 1; \
	done

# About 2 hours on 2 cores; snapshots at 15/30/60/120 training minutes feed the compute curve
# (python benchmarks/music_sunmask.py --sections curve). Then the lyrics -> melody model (the first run
# extracts music21's collections, about 20 minutes, then 12 + 12 training minutes). The Coconet and SUNDAE
# ablations are not shipped: benchmarks/music_sunmask.py trains them under runs/ (see its docstring).
music-assets: install clean-tree
	rm -rf runs/assets/sunmask-conv-tiny
	$(REGEN) train music/sunmask-conv-tiny --run-dir runs/assets/sunmask-conv-tiny \
		--out src/regen/assets/music/sunmask-conv-tiny
	rm -rf runs/assets/melody-tiny
	$(REGEN) train music/melody-tiny --run-dir runs/assets/melody-tiny --out src/regen/assets/music/melody-tiny

# The speech models: festival's slt voice reads the first 6,000 corpus sentences (~30 min, resumable),
# then each tiny model trains from its config on one core: repmix-tiny 8,000 steps, under 2 hours (snapshots
# at 15/30/60/120 training minutes), rmelnet-tiny 2 hours, vocoder-tiny (WaveRNN) 35-50 minutes, the asr-tiny
# recogniser 60 minutes. Four voices (festival slt and kal, espeak-ng en-us and its f3 variant) read 2,500
# sentences each (~10 min) for the default of `regen speech say`, duration-tiny (2 hours, snapshots at
# 15/30/60/120 minutes), and the iSTFT vocoder every converter renders with (istft-tiny, 30-40 minutes).
speech-assets: install clean-tree
	$(REGEN) speech corpus build --voice festival:slt --out data/corpus-slt --limit 6000 --quiet
	$(REGEN) speech corpus build --voice festival:slt --voice festival:kal --voice espeak:en-us \
		--voice espeak:en-us+f3 --out data/corpus-voices --limit 2500 --quiet
	for name in duration-tiny istft-tiny; do \
		rm -rf runs/assets/$$name; \
		$(REGEN) train speech/$$name --set data.corpus=data/corpus-voices --run-dir runs/assets/$$name \
			--out src/regen/assets/speech/$$name || exit 1; \
	done
	for name in repmix-tiny rmelnet-tiny vocoder-tiny asr-tiny; do \
		rm -rf runs/assets/$$name; \
		$(REGEN) train speech/$$name --set data.corpus=data/corpus-slt --run-dir runs/assets/$$name \
			--out src/regen/assets/speech/$$name || exit 1; \
	done
	# repmix-tiny ships after a second budget: 120 more training minutes from the first run's weights
	rm -rf runs/assets/repmix-tiny-more
	$(REGEN) train speech/repmix-tiny --set data.corpus=data/corpus-slt \
		--set trainer.init_from=src/regen/assets/speech/repmix-tiny --set phases.converter.lr=0.001 \
		--set phases.converter.warmup=100 --set phases.converter.max_steps=10000 \
		--run-dir runs/assets/repmix-tiny-more --out src/regen/assets/speech/repmix-tiny

# The text models: SUNMASK on King James sentences (about 2 hours on 2 cores; snapshots at 15/30/60/120
# training minutes), then keywords -> sentence by template regeneration and by Direct (all sentences paired).
text-assets: install clean-tree
	for name in sunmask-tiny template-tiny template-direct-tiny; do \
		rm -rf runs/assets/text-$$name; \
		$(REGEN) train text/$$name --run-dir runs/assets/text-$$name --out src/regen/assets/text/$$name || exit 1; \
	done

clean-tree:
	@if [ -z "$(ALLOW_DIRTY)" ] && [ -n "$$(git status --porcelain --untracked-files=no -- . ':(exclude)src/regen/assets')" ]; then \
		echo "the working tree has uncommitted changes; commit them first so each checkpoint's meta.json names a commit that reproduces it (or pass ALLOW_DIRTY=1)"; \
		exit 1; fi

clean:
	rm -rf out runs .pytest_cache

# One-command setup: `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXAMPLE := designer/presets/warmup-cosine.json

.PHONY: install run test fresh-check screenshot bench package package-test clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU wheel on this machine, never a multi-GB CUDA build.
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/lr-designer $(EXAMPLE)

test: $(STAMP)
	$(VENV)/bin/ruff check designer tests bench packaging
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# .ci/run in a fresh clone of the committed HEAD (not uncommitted changes), new .venv: minutes
fresh-check:
	bash .ci/fresh-clone

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m designer.ui.screenshot docs/screenshot.png designer/presets/warmup-stable-decay.json

bench: $(STAMP)
	$(PY) -m bench

PACKAGE_STAMP := $(VENV)/.package-installed

$(PACKAGE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,package]"
	touch $(PACKAGE_STAMP)

# dist/lr-designer/ and dist/lr-designer-<version>-linux-x86_64.tar.gz (a few minutes)
package: $(PACKAGE_STAMP)
	$(PY) packaging/build_app.py

# unpack the tarball in a temp folder and run the frozen app without the venv
package-test: $(STAMP)
	$(PY) packaging/package_test.py

clean:
	rm -rf $(VENV) build dist *.egg-info

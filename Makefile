# One-command setup: `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXAMPLE := designer/examples/warmup-cosine.json
TORCH_PIN := packaging/torch-pin.txt
# Where the pinned torch comes from: empty = pip's configuration (on this machine, the CPU
# wheel); CI on Linux passes the CPU wheels' index, since PyPI's Linux torch is the CUDA build.
TORCH_INDEX ?=
TORCH_FROM := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))

.PHONY: install run test fresh-check screenshot bench dist dist-test package package-test clean

$(STAMP): pyproject.toml $(TORCH_PIN)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU wheel, never a multi-GB CUDA build.
	$(PY) -m pip install --quiet -r $(TORCH_PIN) $(TORCH_FROM)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/lr-designer $(EXAMPLE)

test: $(STAMP)
	$(VENV)/bin/ruff check designer tests bench packaging
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# .ci/run in a fresh clone of the committed HEAD (not uncommitted changes), new .venv: minutes
fresh-check:
	bash .ci/fresh-clone

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m designer.ui.screenshot docs/screenshot.png designer/examples/warmup-stable-decay.json

bench: $(STAMP)
	$(PY) -m bench

# dist/lr_schedule_designer-<version>-py3-none-any.whl and .tar.gz, checked by twine
dist: $(STAMP)
	rm -f dist/lr_schedule_designer-*
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/lr_schedule_designer-*

# install that wheel into a fresh virtualenv and run it from outside the checkout (minutes)
dist-test: $(STAMP)
	$(PY) packaging/dist_test.py $(if $(TORCH_INDEX),--torch-index $(TORCH_INDEX))

PACKAGE_STAMP := $(VENV)/.package-installed

$(PACKAGE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,package]"
	touch $(PACKAGE_STAMP)

# dist/lr-designer/ and dist/lr-designer-<version>-<os>-<arch>.tar.gz (a few minutes)
package: $(PACKAGE_STAMP)
	$(PY) packaging/build_app.py

# unpack the archive in a temp folder and run the frozen app without the venv
package-test: $(STAMP)
	$(PY) packaging/package_test.py

clean:
	rm -rf $(VENV) build dist *.egg-info

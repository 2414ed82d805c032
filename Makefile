# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv themselves.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.PHONY: demo readme-table test lint typecheck unit system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[local,qwen]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[local,qwen,server,api,hub,ray,dev]'
	touch $@ $(VENV)/.installed-demo

# bubblewrap isolates untrusted generated code (without it the sandbox degrades, with a warning);
# chromium renders the HTML report in its test; libpython3-dev gives the sandbox red-team test a
# static CPython to try to link in; librust-*-dev feed the offline crate set.
APT_PACKAGES ?= bubblewrap chromium libpython3-dev $(CRATE_PACKAGES)
# Debian sources of the crate set generated Rust may use (clap, serde, serde_json, regex, ...).
CRATE_PACKAGES ?= librust-clap-dev librust-clap-derive-dev librust-serde-dev \
  librust-serde-derive-dev librust-serde-json-dev librust-regex-dev librust-anyhow-dev \
  librust-rand-dev librust-itertools-dev
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null; }; \
	  else echo "warning: missing system packages:$$missing (install them for the full test suite)"; fi; \
	fi

# The demo: the answer key (self-check), four local models (SmolLM2, Gemma 3, and the two Qwen2.5-
# Coder models) and a rule-based transpiler on the bundled examples DEMO_SELECT picks: the
# level-3 functions (Py2Rs "Functions": one `def` with arithmetic, branches and `for` over
# `range`), the lowest rung with a function to call, chosen so `make demo` stays within 15
# minutes on 2 cores; see README. `make demo DEMO_SELECT=` runs the whole corpus. The store stays
# in results/demo (resumable); the reports go to docs/demo, which is committed, and the README's
# demo table is regenerated from docs/demo/results.json.
DEMO_MODELS ?= reference,smollm2-135m,gemma3-270m,py2many,qwen2.5-coder-0.5b,qwen2.5-coder-1.5b
DEMO_SELECT ?= --kind function --levels 3
DEMO_RUNS ?= 1
DEMO_STORE ?= results/demo
DEMO_DOCS ?= docs/demo
demo: $(VENV)/.installed-demo
	@$(MAKE) --no-print-directory system-deps APT_PACKAGES=bubblewrap
	$(BIN)/single-shot-eval evaluate --models $(DEMO_MODELS) $(DEMO_SELECT) \
	  --runs $(DEMO_RUNS) --output $(DEMO_STORE) --resume
	$(BIN)/single-shot-eval report --input $(DEMO_STORE) --format md,json,html \
	  --output $(DEMO_DOCS) --quiet
	$(BIN)/python -m single_shot_eval.report.demo_table README.md $(DEMO_DOCS)/results.json

readme-table: $(VENV)/.installed-demo
	$(BIN)/python -m single_shot_eval.report.demo_table README.md $(DEMO_DOCS)/results.json

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy src

unit: $(VENV)/.installed-dev system-deps
	$(BIN)/python -m pytest -q

test: lint typecheck unit

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache

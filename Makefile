# Every target bootstraps what it needs: a private uv (pinned by hash) and a .venv synced
# from uv.lock (pinned by hash). Nothing has to be installed by hand first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

.PHONY: install demo test lint format bench quality clean

install: $(VENV)/.synced

$(UV): tools/uv-requirements.txt
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check --require-hashes -r tools/uv-requirements.txt
	touch $@

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --all-extras --python $(PYTHON) --quiet
	touch $@

demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/python examples/export_rdataset.py modeldata wa_churn $(DEMO)/wa_churn.csv
	$(BIN)/modelward --home $(DEMO)/ws project create examples/wa_churn/modelward.yaml
	$(BIN)/modelward --home $(DEMO)/ws data add $(DEMO)/wa_churn.csv --name wa_churn --project churn
	$(BIN)/modelward --home $(DEMO)/ws data audit wa_churn --html $(DEMO)/wa_churn-audit.html
	$(BIN)/modelward --home $(DEMO)/ws train wa_churn@1 --budget 30 --seed 0
	$(BIN)/python -c "import polars as pl; pl.read_csv('$(DEMO)/wa_churn.csv').drop('churn').head(1000).write_csv('$(DEMO)/new_customers.csv')"
	$(BIN)/modelward --home $(DEMO)/ws predict churn/v1 $(DEMO)/new_customers.csv -o $(DEMO)/scored.csv
	$(BIN)/modelward --home $(DEMO)/ws runs list
	$(BIN)/modelward --home $(DEMO)/ws audit verify

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix src tests bench examples
	$(BIN)/ruff format src tests bench examples

bench: install
	$(BIN)/python bench/foundation.py
	$(BIN)/python bench/tracking.py
	$(BIN)/python bench/runs_list.py
	$(BIN)/python bench/predict.py

quality: install
	$(BIN)/python bench/quality.py

clean:
	rm -rf build .venv .tools .mypy_cache .ruff_cache .pytest_cache

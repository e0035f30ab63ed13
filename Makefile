# Every target bootstraps what it needs: a private uv (pinned by hash) and a .venv synced
# from uv.lock (pinned by hash). Nothing has to be installed by hand first.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
MW := $(BIN)/modelward --home $(DEMO)/ws
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

.PHONY: install browser demo test lint format bench quality clean

install: $(VENV)/.synced

$(UV): tools/uv-requirements.txt
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check --require-hashes -r tools/uv-requirements.txt
	touch $@

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --all-extras --compile-bytecode --python $(PYTHON) --quiet
	touch $@

demo: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/python examples/export_rdataset.py modeldata wa_churn $(DEMO)/wa_churn.csv
	MODELWARD_USER=admin $(MW) users add admin --role admin
	MODELWARD_USER=admin $(MW) users add data-scientist --role scientist
	MODELWARD_USER=admin $(MW) users add risk-officer --role approver
	MODELWARD_USER=data-scientist $(MW) project create examples/wa_churn/modelward.yaml
	MODELWARD_USER=data-scientist $(MW) data add $(DEMO)/wa_churn.csv --name wa_churn --project churn
	MODELWARD_USER=data-scientist $(MW) data audit wa_churn --html $(DEMO)/wa_churn-audit.html
	MODELWARD_USER=data-scientist $(MW) train wa_churn@1 --budget 60 --seed 0
	$(BIN)/python -c "import polars as pl; pl.read_csv('$(DEMO)/wa_churn.csv').drop('churn').head(1000).write_csv('$(DEMO)/new_customers.csv')"
	$(MW) predict churn/v1 $(DEMO)/new_customers.csv -o $(DEMO)/scored.csv
	$(MW) explain churn/v1 --input $(DEMO)/new_customers.csv --limit 1
	$(MW) models gates churn/v1
	MODELWARD_USER=risk-officer $(MW) models approve churn/v1 --comment "Gates pass; value and fairness within policy."
	MODELWARD_USER=risk-officer $(MW) models promote churn/v1 --to production
	$(MW) models history churn
	MODELWARD_USER=data-scientist $(MW) deploy create churn-api --model churn@production
	$(BIN)/python examples/serve_demo.py $(DEMO)/ws churn-api $(DEMO)/wa_churn.csv
	$(MW) deploy show churn-api
	$(MW) monitor run --deployment churn-api
	$(MW) ledger --project churn
	$(MW) models card churn/v1 -o $(DEMO)/churn-v1-card.html
	$(MW) models card churn/v1 -o $(DEMO)/churn-v1-card.md
	MODELWARD_USER=risk-officer $(MW) export-audit churn/v1 -o $(DEMO)/churn-v1-audit.zip
	$(BIN)/python examples/export_rdataset.py modeldata Chicago $(DEMO)/chicago.csv
	MODELWARD_USER=data-scientist $(MW) project create examples/chicago/modelward.yaml
	MODELWARD_USER=data-scientist $(MW) train $(DEMO)/chicago.csv --project ridership
	$(BIN)/python -c "import polars as pl; d = pl.read_csv('$(DEMO)/chicago.csv', try_parse_dates=True); d.tail(14).drop('ridership').with_columns(pl.col('date') + pl.duration(days=14)).write_csv('$(DEMO)/next_14_days.csv')"
	$(MW) predict ridership/v1 $(DEMO)/next_14_days.csv -o $(DEMO)/forecast.csv
	MODELWARD_USER=data-scientist $(MW) project create examples/customers/modelward.yaml
	MODELWARD_USER=data-scientist $(MW) train wa_churn@1 --project customers
	$(MW) predict customers/v1 $(DEMO)/new_customers.csv -o $(DEMO)/segments.csv
	$(MW) runs list
	$(MW) audit verify
	@echo "Model card: $(DEMO)/churn-v1-card.html (Markdown beside it); auditor's bundle: $(DEMO)/churn-v1-audit.zip"
	@echo "What the churn model's decisions are worth:"
	@$(MW) models value churn/v1

test: install browser
	$(BIN)/pytest -n auto --dist loadfile  # files stay whole: module fixtures are built once

# The web UI's tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

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
	$(BIN)/python bench/evaluation.py
	$(BIN)/python bench/serving.py
	$(BIN)/python bench/monitoring.py
	$(BIN)/python bench/ui.py
	$(BIN)/python bench/segment.py
	$(BIN)/python bench/decisions.py
	$(BIN)/python bench/stall.py

quality: install
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/forecast.py

clean:
	rm -rf build .venv .tools .mypy_cache .ruff_cache .pytest_cache

# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast index eval-gate eval-halves bench clean package

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

## Serve the bundled sample regulations on http://127.0.0.1:3978/api/messages
run: $(STAMP)
	$(PY) app.py index
	$(PY) app.py serve

## All tests, end-to-end ones included
test: $(STAMP)
	$(PY) -m pytest

## Unit and integration tests only (skips the slow end-to-end marker)
test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e"

index: $(STAMP)
	$(PY) app.py index

## The Teams app package (manifest + icons) with the bot id from settings (MicrosoftAppId)
package: $(STAMP)
	$(PY) -m manifest.package --out data/teams-app.zip

clean:
	rm -rf $(VENV) data .pytest_cache

DATASETS ?= ../shared/datasets
EVAL_OUT ?= data/eval-out
# One of our own check sets over the ja-regulations corpus, held above floors: $(call check-set,NAME,FLOORS)
define check-set
$(PY) app.py eval --no-progress --questions eval/$(1)/questions.jsonl \
  --corpus $(DATASETS)/ja-regulations/corpus --out $(EVAL_OUT)/$(1) --fail-under $(2)
endef

## Quality gate on the shared dev sets: fails when a metric drops a small margin below the
## committed baseline (eval/baselines/<dataset>/summary.json). Needs ../shared/datasets.
## The self-written check sets over the ja corpus (colloquial, scope, english and the tune sets
## blind2, blind4, blind5, blind6) are gated by floors a little under their current figures: a change
## that generalises worse fails (raised 2026-12-03 to about two questions under the figures of whole-article
## retrieval; blind4's balanced accuracy lowered to 0.77 then: with compound proximity one answerable question,
## b4-03, abstains instead of citing a wrong article first). The untouched estimates (blind3, blind7,
## blind8, blind9, contoso-blind2) are not gated.
eval-gate: $(STAMP)
	$(PY) app.py eval --no-progress --questions $(DATASETS)/ja-regulations/questions.dev.jsonl \
	  --corpus $(DATASETS)/ja-regulations/corpus --out $(EVAL_OUT)/ja-regulations \
	  --baseline eval/baselines/ja-regulations \
	  --fail-under hit@5=0.84 mrr@10=0.70 balanced_accuracy=0.85
	$(PY) app.py eval --no-progress --questions $(DATASETS)/contoso-handbook/questions.dev.jsonl \
	  --corpus $(DATASETS)/contoso-handbook/corpus --out $(EVAL_OUT)/contoso-handbook \
	  --baseline eval/baselines/contoso-handbook \
	  --fail-under hit@5=0.78 hit@1=0.46 balanced_accuracy=0.68
	$(PY) app.py eval --no-progress --questions $(DATASETS)/lawqa-jp/questions.dev.jsonl \
	  --corpus $(DATASETS)/lawqa-jp/corpus --out $(EVAL_OUT)/lawqa-jp \
	  --baseline eval/baselines/lawqa-jp \
	  --fail-under hit@1=0.90 hit@5=0.98
	$(call check-set,colloquial,hit@5=0.77 mrr@10=0.55 balanced_accuracy=0.75)
	$(call check-set,scope,balanced_accuracy=0.80 hit@5=0.95)
	$(call check-set,blind2,hit@5=0.76 mrr@10=0.66 balanced_accuracy=0.84)
	$(call check-set,blind4,hit@5=0.70 mrr@10=0.57 balanced_accuracy=0.77)
	$(call check-set,blind6,hit@5=0.61 mrr@10=0.51 balanced_accuracy=0.88)
	$(call check-set,blind5,hit@5=0.48 mrr@10=0.40 balanced_accuracy=0.78)
	$(call check-set,english,hit@5=0.80)
	$(PY) app.py eval --no-progress --questions eval/acl/questions.jsonl \
	  --corpus eval/acl/corpus --out $(EVAL_OUT)/acl \
	  --fail-under acl_leaks=0 acl_leak_questions=0 hit@5=0.95

## Static security checks of infra/ (Bicep) with checkov, offline; checkov gets its own .venv-infra
.PHONY: check-infra
check-infra:
	bash scripts/check-infra.sh

## Both fixed dev halves (tune / held), per dataset and per tag, of the last eval-gate run
eval-halves:
	$(PY) -m eval.halves $(EVAL_OUT)/ja-regulations $(EVAL_OUT)/contoso-handbook $(EVAL_OUT)/lawqa-jp

## Benchmarks with peers measured in the same run (bench/run_all.py); QUICK=1 for a short run
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) bench/run_all.py $(if $(QUICK),--quick)

## Static checks: ruff on the repository, mypy and bandit on the packages (settings in pyproject.toml)
.PHONY: lint
lint: $(STAMP)
	bash scripts/static-checks.sh

# The two set-up commands named in README.md:
#   make run    create .venv, install pyexim, start the MTA on examples/exim.conf
#               (spool and logs under ./var, no root needed)
#   make test   create .venv, install pyexim with its test extras, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
VAR    := $(CURDIR)/var
STAMP  := $(VENV)/.installed-stamp
# Arguments for `make run`; the example config takes its folders from -DVAR.
RUN_ARGS ?= -bV
PYTEST_ARGS ?=

.PHONY: run test venv clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(STAMP)

run: $(STAMP)
	mkdir -p $(VAR)/spool $(VAR)/log $(VAR)/mail
	$(BIN)/pyexim -C $(CURDIR)/examples/exim.conf -DVAR=$(VAR) $(RUN_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(VAR) build *.egg-info

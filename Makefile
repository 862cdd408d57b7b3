# Two commands for a newcomer: `make demo` and `make test`. Both build their own virtualenv.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)

.PHONY: demo test lint messages install serve

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP) node_modules/.package-lock.json messages

# Front-end libraries (chart.js) from npm, served from our own static files; never from a CDN.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

messages: $(STAMP)
	@command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null)
	$(PY) manage.py compilemessages -v0 --ignore=.venv

demo: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo "Shuangsuiji: http://127.0.0.1:8000/  (Ctrl-C stops)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	bash scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

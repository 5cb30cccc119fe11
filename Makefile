# HuntZen Care — the two README commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails and the websocket origin check follow the port the demo serves on.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo worker beat test install install-runtime lint migrations-check deploy-check messages clean

# Two stamps: what running needs (the demo), and that plus the test and lint tools
# (tests, CI: `make install` is what .ci/run calls before ruff, bandit and pytest).
$(BIN)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed: $(BIN)/.runtime
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install-runtime: $(BIN)/.runtime

install: $(BIN)/.installed

demo: install-runtime
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "HuntZen Care demo on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	DEBUG=true HUNTZEN_SITE_URL=$(SITE_URL) $(BIN)/daphne -b $(HOST) -p $(PORT) huntzen.asgi:application

# Background work on Redis (REDIS_URL set, as for `make demo` on Redis): in two more
# terminals beside the server. Without REDIS_URL tasks run inside the server instead.
worker: install-runtime
	DEBUG=true $(BIN)/celery -A huntzen worker --loglevel INFO

beat: install-runtime
	DEBUG=true $(BIN)/celery -A huntzen beat --loglevel INFO

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

deploy-check: install
	DEBUG=false SECRET_KEY=$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(50))') \
	HUNTZEN_ENCRYPTION_KEYS=k1:$$($(BIN)/python -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())') \
	ALLOWED_HOSTS=care.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

messages: install
	DEBUG=true $(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var

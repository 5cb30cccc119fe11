# HuntZen Care — the two README commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails and the websocket origin check follow the port the demo serves on.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo serve worker beat test install install-runtime lint migrations-check deploy-check messages clean

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

# The production topology (deploy/, README "Production topology") on the embedded
# defaults: gunicorn (gthread workers, one per core) for HTTP, daphne for /ws/ only, and
# deploy/devproxy.py on PORT in front of them as nginx would be; Celery's worker and beat
# too when REDIS_URL is set. Without Redis the processes share a file cache in var/cache
# (chat tickets, rate limits); see the README for what needs Redis.
WEB_PORT ?= $(shell echo $$(($(PORT) + 1)))
WS_PORT ?= $(shell echo $$(($(PORT) + 2)))
serve: install-runtime
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "HuntZen Care on http://$(HOST):$(PORT)/: gunicorn :$(WEB_PORT), daphne :$(WS_PORT) (Ctrl-C to stop)"
	@export DEBUG=true HUNTZEN_SITE_URL=$(SITE_URL) HUNTZEN_FILE_CACHE_DIR=$(CURDIR)/var/cache \
	  HUNTZEN_WEB_BIND=127.0.0.1:$(WEB_PORT); \
	trap 'kill 0' INT TERM EXIT; \
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py & \
	$(BIN)/daphne -b 127.0.0.1 -p $(WS_PORT) huntzen.asgi:application & \
	if [ -n "$$REDIS_URL" ] && $(BIN)/python -c 'import huntzen.celery' 2>/dev/null; then \
	  $(BIN)/celery -A huntzen worker --loglevel INFO & \
	  $(BIN)/celery -A huntzen beat --loglevel INFO --schedule var/celerybeat-schedule & \
	fi; \
	$(BIN)/python deploy/devproxy.py --listen $(HOST):$(PORT) --web 127.0.0.1:$(WEB_PORT) \
	  --ws 127.0.0.1:$(WS_PORT) & \
	wait

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

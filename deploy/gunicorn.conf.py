"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py` from the
checkout (the systemd unit deploy/eventhub-web.service does this).

Threads, not processes, carry the concurrency: most of a request's time is spent waiting
for PostgreSQL, Redis or the client, and threads share one connection pool per process.
The defaults fit a small 2-core host behind nginx on the same machine (the
configuration issue 17 measured: 2 workers x 4 threads); change them with
EVENTHUB_WEB_WORKERS, EVENTHUB_WEB_THREADS and EVENTHUB_WEB_BIND in the environment file.
Rule of thumb: one worker per core, 4 threads each; more threads only while the
database has connections to spare (workers x threads <= its max_connections minus the
mail workers' and schedulers' connections, on every host together).
"""

import os

# The master imports only these two small modules of the app (and what they need: the
# config, logging and metrics helpers); everything else is imported by each worker, so a
# reload (HUP) picks up new code except in these: restart after changing them.
import eventhub.gunicorn_logging
import eventhub.metrics

wsgi_app = "app:app"

# nginx on the same host proxies to this address (deploy/nginx-eventhub.conf); a unix
# socket works too: EVENTHUB_WEB_BIND=unix:/run/eventhub/web.sock
bind = os.environ.get("EVENTHUB_WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("EVENTHUB_WEB_WORKERS", "2"))
threads = int(os.environ.get("EVENTHUB_WEB_THREADS", "4"))
worker_class = "gthread"

# A worker whose main loop has not reported to the master for this long is hung and is
# restarted. (With gthread one slow request does not stop that loop; nginx gives up on
# an answer after proxy_read_timeout, 35 s. The slowest answer, the funder report's
# PDF, takes a few seconds.)
timeout = 30
# On reload or stop, requests in flight get this long to finish.
graceful_timeout = 30
# nginx keeps idle connections to us open (upstream keepalive, 60 s there): we keep them
# longer, so nginx never sends a request on a connection we are just closing.
keepalive = 75

# Each worker is replaced after about this many requests (jitter: not all at once), which
# bounds what a slow leak in any library can grow to. High, because a new worker costs
# about 2 s of CPU to import and create the app: at 2,000 a worker under a burst of
# 1,000 requests/s would be replaced every other second and spend its core on starting.
max_requests = 50000
max_requests_jitter = 5000

# The app is imported in each worker, not in the master before the fork: no database
# connection, connection pool or Redis client can be shared by two processes, and a
# restarted worker (max_requests) loads the code on disk. The cost is a second or two per
# worker at start.
preload_app = False

# Trust X-Forwarded-Proto (https) only from nginx on loopback; the app itself reads the
# client address from X-Forwarded-For (EVENTHUB_PROXY_COUNT=1, werkzeug ProxyFix).
forwarded_allow_ips = "127.0.0.1,::1"

# gunicorn 27's control socket (for `gunicornc`) would live in the service user's home,
# which the unit hides (ProtectHome); systemctl reload/stop do what it offers.
control_socket_disable = True

# Logs: one JSON object per line on stderr, which systemd's journal keeps; gunicorn's own
# lines (access and errors) in the app's format, the access line with the request id and
# the path redacted (eventhub/gunicorn_logging.py, README "Operations" -> "Logs").
accesslog = "-"
errorlog = "-"
loglevel = "info"
logconfig_dict = eventhub.gunicorn_logging.logconfig_dict()
logger_class = "eventhub.gunicorn_logging.JsonAccessLogger"
proc_name = "eventhub-web"


# Prometheus metrics of every worker process in one scrape: with PROMETHEUS_MULTIPROC_DIR
# set (the web unit sets it), each worker writes its counts there; the master clears an
# earlier run's files at start and marks an ended worker's gauges dead (README
# "Operations" -> "Metrics"). Both hooks do nothing without that directory.
def on_starting(server):
    eventhub.metrics.gunicorn_on_starting(server)


def child_exit(server, worker):
    eventhub.metrics.gunicorn_child_exit(server, worker)

"""gunicorn's configuration for the web app: `gunicorn -c gunicorn.conf.py clinic.wsgi`.

`make serve` uses it, and so should every production start (docs/operations.md). Options given
on the command line (`--bind`, `--workers`, `--access-logfile`...) win over the ones here.

The access log must not hold patient data (issue 17, docs/security.md). Staff search the triage
queue by patient name, email or phone (`/admin/intake/submission/?q=...`), and the login page's
`?next=` repeats that address, so the log shows the path without its query string (`%(U)s`, not
`%(r)s`, which is the whole request line) and no Referer (`%(f)s`: the previous page's address,
query string and all). The rest is the "combined" format's, so log tools still parse it, with
the referrer's field left as "-" and the time taken appended in milliseconds.
"""

# Standard output, where the process manager or container runtime collects it.
accesslog = "-"

# host, -, user (HTTP basic auth only), time, "method path protocol", status, bytes, "-",
# "user agent", duration, and the request id the app sent back in X-Request-ID (the proxy's, or
# one it made: intake/http.py), to match a line with the app's own log lines.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "-" "%(a)s" %(M)sms '
    "%({x-request-id}o)s"
)

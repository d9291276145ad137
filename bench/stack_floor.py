"""The stack floor: the least a Flask + Flask-WTF app on this server can cost per POST.

python bench/stack_floor.py --port N [--store DIR]   (127.0.0.1 only)

A minimal app on the same cheroot settings as app.py, with a Flask-WTF form of the meeting's fields (CSRF
token in the session, as the app's) whose POST validates and appends to a dict. The benchmarks measure the
real app against it in the same run, so their figures are ratios that hold on any machine.

With --store DIR, the POST also does what the app's store must do for a meeting with two responsibilities,
and nothing else: the three records created in samskaping's Store (checked, stamped, one journal line each)
under one disk sync before the answer. The difference to the plain floor is the price of durability; what
the real app costs beyond this one is its own (access, the session, the form's rows and choices, the outbox).
"""
from __future__ import annotations

import argparse
import secrets
import signal
import threading
import uuid

from cheroot.wsgi import Server
from flask import Flask, redirect, render_template_string, request
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

HOST = "127.0.0.1"
PEOPLE = [(str(uuid.UUID(int=n + 1)), f"Person {n + 1:02d}") for n in range(40)]
SCHOOLS = [(str(uuid.UUID(int=1000 + n)), f"Skole {n + 1}") for n in range(3)]
TYPES = [(key, key) for key in ("collaboration", "planning", "follow_up", "evaluation", "other")]

PAGE = """<form method="post">{{ form.hidden_tag() }}{% for field in form if field.widget.input_type != 'hidden' %}
{{ field.label }} {{ field() }}{% endfor %}<button>Lagre</button></form>"""


class MeetingForm(FlaskForm):
    id = HiddenField()
    date = DateField(validators=[InputRequired()], format=["%Y-%m-%d", "%d.%m.%Y"])
    school = SelectField(choices=SCHOOLS, validators=[DataRequired()])
    type = SelectField(choices=TYPES)
    attendees = SelectMultipleField(choices=PEOPLE)
    guests = StringField()
    agenda = TextAreaField()
    notes = TextAreaField()
    decisions = TextAreaField()


def create_floor_app(store_folder: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(32), WTF_CSRF_TIME_LIMIT=None)
    meetings: dict[str, dict] = {}
    lock = threading.Lock()
    store = None
    if store_folder is not None:
        import sys
        from pathlib import Path
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from samskaping.store.database import Store
        store = Store(store_folder)

    def keep(form: MeetingForm) -> None:
        if store is None:
            with lock:
                meetings[form.id.data or str(uuid.uuid4())] = dict(form.data)
            return
        fields = {name: value for name, value in form.data.items() if name not in ("csrf_token", "id")}
        with store.one_sync():
            meeting, _ = store.create("meetings", {**fields, "date": form.date.data.isoformat()},
                                      record_id=form.id.data or None)
            for row in range(2):
                store.create("responsibilities", {name: request.form.get(f"responsibilities-{row}-{name}")
                                                  for name in ("what", "owner", "due")} | {"meeting": meeting["id"]})
        with lock:
            meetings[meeting["id"]] = {}

    @app.route("/meetings/new", methods=["GET", "POST"])
    def new():
        form = MeetingForm()
        if form.validate_on_submit():
            keep(form)
            return redirect(f"/meetings/{form.id.data}", code=303)
        return render_template_string(PAGE, form=form), 422 if form.is_submitted() else 200

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "counts": {"meetings": len(meetings)}}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--store", metavar="DIR", help="keep each meeting durably in samskaping's Store in DIR")
    args = parser.parse_args()
    # The same settings as app.py.
    server = Server((HOST, args.port), create_floor_app(args.store), numthreads=args.threads, server_name="samskaping",
                    request_queue_size=128)
    server.keep_alive_conn_limit = 256
    server.shutdown_timeout = 1
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.stop).start())
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

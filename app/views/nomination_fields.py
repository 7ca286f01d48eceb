"""The competition form's nomination quota (issue 12 item 8): a JSON text box such as
``{"provinsi": 3, "nasional": 15}``, checked by the API's rule (app.services.nominations.quota_problem)."""
import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from app.services import nominations


class NominationQuotaField(TextAreaField):
    """Holds a dict (or None for an empty box); shows it as JSON."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return json.dumps(self.data, ensure_ascii=False) if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            return
        try:
            self.data = json.loads(text)
        except ValueError:
            self.data = text  # refused by the validator below, with the rule's message
        if not isinstance(self.data, dict):
            self.process_errors.append(nominations.quota_problem(self.data if self.data is not None else "x"))


def quota_rule(form, field):
    problem = nominations.quota_problem(field.data)
    if problem:
        raise ValidationError(problem)


def quota_text(value):
    """The quota for reading: "Provinsi: 3 · Nasional: 15" (a dash when none is set)."""
    if not value:
        return "—"
    return " · ".join(f"{nominations.level_label(level)}: {value[level] if value[level] is not None else _('no limit')}"
                      for level in nominations.NOMINATION_LEVELS if level in value)


def quota_field():
    return NominationQuotaField(
        _l("Nomination quota per level"), validators=[quota_rule],
        description=_l('The most winners nominated upward per level, as JSON, e.g. {"provinsi": 3, "nasional": 15}; '
                       'empty or a level left out = no limit.'))
